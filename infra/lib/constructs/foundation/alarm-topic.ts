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

/** The region's alarm topic: every alarm of the region notifies it. */
export class AlarmTopic extends Construct {
  /** The topic. */
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Estate alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.email !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    }
  }
}
