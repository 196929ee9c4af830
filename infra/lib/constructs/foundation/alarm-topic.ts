import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** Key that encrypts the topic. */
  readonly key: kms.IKey;
  /** Address that receives every alarm (confirmed by its owner). @default - no subscription */
  readonly email?: string;
}

/**
 * A topic whose publish grants to an AWS service hold for this account's resources only. The
 * EventBridge target grants `events.amazonaws.com` (on the topic and on its key) with no condition,
 * which would let any account's rule publish here: the confused deputy `aws:SourceAccount` prevents.
 */
class AccountScopedTopic extends sns.Topic {
  override grantPublish(grantee: iam.IGrantable): iam.Grant {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof iam.ServicePrincipal)) return super.grantPublish(grantee);
    // Whole statements, not a principal with conditions: CDK merges statements of equal actions and
    // conditions (RDS's), and refuses one whose principals carry different conditions.
    const conditions = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    const statement = (actions: string[], resources: string[]) =>
      new iam.PolicyStatement({ principals: [principal], actions, resources, conditions });
    this.masterKey?.addToResourcePolicy(statement(['kms:Decrypt', 'kms:GenerateDataKey*'], ['*']));
    return iam.Grant.addStatementToResourcePolicy({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.topicArn],
      resource: this,
      statement: statement(['sns:Publish'], [this.topicArn]),
    });
  }
}

/** The region's alarm topic: every alarm of the region notifies it. */
export class AlarmTopic extends Construct {
  /** The topic. */
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new AccountScopedTopic(this, 'Topic', {
      displayName: 'Estate alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.email !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    }
  }
}
