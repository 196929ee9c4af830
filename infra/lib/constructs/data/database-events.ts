import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * RDS event categories worth a page, per source type (the lists differ: `low storage` and
 * `availability` exist for instances only). Checked against the Aurora User Guide's event tables.
 */
export const RDS_EVENT_CATEGORIES = {
  'db-cluster': ['failover', 'failure', 'maintenance', 'notification'],
  'db-instance': ['availability', 'failover', 'failure', 'low storage', 'maintenance', 'notification'],
} as const;

/** Props of {@link DatabaseEvents}. */
export interface DatabaseEventsProps {
  /** The region's cluster. */
  readonly cluster: rds.DatabaseCluster;
  /** The region's alarm topic (encrypted with `key`). */
  readonly topic: sns.Topic;
  /** The region's estate key, which encrypts the topic. */
  readonly key: kms.IKey;
}

/**
 * Failovers, failures, maintenance and low storage of the region's cluster and instances reach the
 * alarm topic twice over: RDS event subscriptions (e-mail-friendly text) and an EventBridge rule on
 * `aws.rds` (the JSON event, for automation that subscribes to the topic).
 */
export class DatabaseEvents extends Construct {
  /** The subscriptions, by source type. */
  readonly subscriptions: Readonly<Record<keyof typeof RDS_EVENT_CATEGORIES, rds.CfnEventSubscription>>;
  /** The EventBridge rule. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: DatabaseEventsProps) {
    super(scope, id);
    const { cluster, topic, key } = props;
    const { account } = Stack.of(this);

    // The topic's policy (written because it enforces TLS) replaces SNS's default one, which let RDS
    // publish; and RDS must be able to use the topic's key.
    const rdsEvents = new iam.ServicePrincipal('events.rds.amazonaws.com');
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [rdsEvents],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [rdsEvents],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    // L1 only: aws-rds has no L2 for event subscriptions.
    this.subscriptions = {
      'db-cluster': new rds.CfnEventSubscription(this, 'ClusterEvents', {
        snsTopicArn: topic.topicArn,
        sourceType: 'db-cluster',
        sourceIds: [cluster.clusterIdentifier],
        eventCategories: [...RDS_EVENT_CATEGORIES['db-cluster']],
        enabled: true,
      }),
      'db-instance': new rds.CfnEventSubscription(this, 'InstanceEvents', {
        snsTopicArn: topic.topicArn,
        sourceType: 'db-instance',
        sourceIds: [...cluster.instanceIdentifiers],
        eventCategories: [...RDS_EVENT_CATEGORIES['db-instance']],
        enabled: true,
      }),
    };

    // The SnsTopic target grants events.amazonaws.com sns:Publish on the topic and use of its key.
    this.rule = new events.Rule(this, 'Rule', {
      description: 'RDS cluster and instance events of the estate database',
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Cluster Event', 'RDS DB Instance Event'],
        detail: {
          SourceIdentifier: [cluster.clusterIdentifier, ...cluster.instanceIdentifiers],
          EventCategories: [
            ...new Set([...RDS_EVENT_CATEGORIES['db-cluster'], ...RDS_EVENT_CATEGORIES['db-instance']]),
          ],
        },
      },
      targets: [new targets.SnsTopic(topic)],
    });
  }
}
