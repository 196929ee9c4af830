import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { estateFunction } from '../foundation/estate-function.ts';

const ENTRY = fileURLToPath(new URL('../../../functions/database-endpoint/index.ts', import.meta.url));

/**
 * The RDS events after which the global database has a new primary: a switchover finished
 * (RDS-EVENT-0185) and a failover completed (RDS-EVENT-0238), both DB cluster events of the
 * `global failover` category (Aurora User Guide, DB cluster events).
 */
export const ROLE_CHANGE_EVENT_IDS = ['RDS-EVENT-0185', 'RDS-EVENT-0238'] as const;

/** Props of {@link DatabaseEndpoint}. */
export interface DatabaseEndpointProps {
  /** The region's cluster. */
  readonly cluster: rds.DatabaseCluster;
  /** The global database. */
  readonly globalClusterIdentifier: string;
  /** The endpoint parameter of a region; the function writes every member region's. */
  readonly parameterName: (region: string) => string;
  /** The regions of the global database's clusters, with each cluster's identifier. */
  readonly members: Readonly<Record<string, string>>;
  /** The region's estate key: the function's logs. */
  readonly key: kms.IKey;
  /** Retention of the function's logs. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Keeps the host the region's engines connect to (the parameter DB_HOST_PARAMETER names, published
 * with {@link DatabaseEndpoint.forRole} for the deploy-time role) right for the cluster's role. A
 * secondary's writer (cluster) endpoint is inactive: its engines read, and write through write
 * forwarding, on its reader endpoint; the primary's engines use its writer endpoint (its reader
 * endpoint refuses writes). A switchover or failover swaps the roles, so an EventBridge rule on
 * the RDS events that end one invokes a function that reads the roles from RDS and rewrites every
 * member region's parameter; the service reads the parameter again when a write is refused as
 * read-only.
 *
 * Not the global writer endpoint: it follows the primary, but a secondary region would then send
 * every read across regions too, and lose the local reads a secondary is for.
 *
 * The function rewrites parameters CloudFormation created: a later deploy leaves them alone unless
 * their value in the template changes, so redeploying the data stacks after a switchover keeps the
 * rewritten values (the function runs again on the next role change).
 */
export class DatabaseEndpoint extends Construct {
  /** The endpoint to publish for a cluster deployed as the primary or as a secondary. */
  static forRole(cluster: rds.DatabaseCluster, primary: boolean): string {
    return (primary ? cluster.clusterEndpoint : cluster.clusterReadEndpoint).hostname;
  }

  /** The function that rewrites the parameters after a change of roles. */
  readonly function: nodejs.NodejsFunction;
  /** The rule on the RDS events that end a switchover or failover. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: DatabaseEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { cluster } = props;
    this.function = estateFunction(this, 'Function', {
      entry: ENTRY,
      description: "Publishes each region's database endpoint for its cluster's role in the global database",
      timeout: Duration.minutes(1),
      memorySize: 256,
      environment: {
        GLOBAL_CLUSTER_IDENTIFIER: props.globalClusterIdentifier,
        ENDPOINT_PARAMETER_PATTERN: props.parameterName('{region}'),
      },
      key: props.key,
      logRetention: props.logRetention,
    });
    // How cdk-nag spells the ARN in a finding: tokens as <Pseudo::Parameter>.
    const partitionText = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    const accountText = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DescribeGlobalClusters'],
        resources: [
          stack.formatArn({
            service: 'rds',
            region: '',
            resource: 'global-cluster',
            resourceName: props.globalClusterIdentifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:DescribeDBClusters'],
        resources: Object.entries(props.members).map(([region, identifier]) =>
          stack.formatArn({
            service: 'rds',
            region,
            resource: 'cluster',
            resourceName: identifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    // The endpoint parameter of any region, by pattern: the home region's stack deploys before the
    // secondaries' (which create theirs), and naming a later stack's resource would need an order the
    // global database forbids.
    const anyRegionParameter = stack.formatArn({
      service: 'ssm',
      region: '*',
      resource: 'parameter',
      resourceName: props.parameterName('*').slice(1),
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: [anyRegionParameter],
      }),
    );

    Validations.of(this.function).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partitionText}:ssm:*:${accountText}:parameter${props.parameterName('*')}]`,
      reason: "The endpoint parameter of each member region, by its name's pattern (one per region)",
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The function writes its own log streams only (three log actions, maintained by AWS)',
    });

    // The LambdaFunction target grants events.amazonaws.com the invoke, with this rule as SourceArn.
    this.rule = new events.Rule(this, 'Rule', {
      description: 'The global database has a new primary: publish each region its endpoint',
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Cluster Event'],
        detail: { EventID: [...ROLE_CHANGE_EVENT_IDS], SourceIdentifier: [cluster.clusterIdentifier] },
      },
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 4 })],
    });
  }
}
