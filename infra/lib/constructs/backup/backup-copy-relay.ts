import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { estateFunction } from '../foundation/estate-function.ts';

const ENTRY = fileURLToPath(new URL('../../../functions/backup-copy-relay/index.ts', import.meta.url));

/** Props of {@link BackupCopyRelay}. */
export interface BackupCopyRelayProps {
  /** The vault of this account and region that receives the other account's copies. */
  readonly landingVault: backup.IBackupVault;
  /** The vault of this account, in another region, that keeps the copies. */
  readonly destinationVaultArn: string;
  /**
   * How long a copy is kept when its recovery point carries no retention: within the destination vault's
   * lock, which fails a copy job without one (config: the plan's longest rule).
   */
  readonly copyRetention: Duration;
  /** The region's key: the function's logs. */
  readonly key: kms.IKey;
  /** Retention of the function's logs. */
  readonly logRetention: logs.RetentionDays;
  /** Where the alarm of failing passes goes. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How often a pass runs: the delay it adds to the copy's recovery point objective.
   * @default 15 minutes
   */
  readonly interval?: Duration;
}

/**
 * Copies every recovery point that lands in a vault on to a vault of another region of the same
 * account: the second hop AWS Backup does not do for Aurora and RDS (see the function). A schedule
 * runs it; each pass starts what is missing, so nothing depends on one event being delivered.
 */
export class BackupCopyRelay extends Construct {
  /** The function. */
  readonly function: nodejs.NodejsFunction;
  /** The role AWS Backup assumes for the copy jobs. */
  readonly copyRole: iam.Role;
  /** Two failing passes in a row. */
  readonly alarm: cloudwatch.Alarm;
  /** No pass at all for an hour: the schedule or the function is gone. */
  readonly silenceAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BackupCopyRelayProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    const interval = props.interval ?? Duration.minutes(15);

    // The same managed policy CDK gives a plan's selection role: it covers the copy of every resource
    // type AWS Backup supports (rds:CopyDBClusterSnapshot, backup:CopyIntoBackupVault, the keys' grants).
    this.copyRole = new iam.Role(this, 'CopyRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'Runs the copy jobs from the landing vault to the recovery region',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
      ],
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Starts the copies of landed recovery points to the recovery region',
    });
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
    allow(['backup:ListRecoveryPointsByBackupVault'], [props.landingVault.backupVaultArn]);
    // ListCopyJobs has no resource type: IAM accepts only "*".
    allow(['backup:ListCopyJobs'], ['*']);
    // Aurora recovery points are RDS cluster snapshots named by AWS Backup, not Backup recovery points:
    // a statement on the latter alone denies every database copy.
    allow(['backup:StartCopyJob'], recoveryPointArns(partition, region, account));
    allow(['iam:PassRole'], [this.copyRole.roleArn], {
      StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' },
    });

    this.function = estateFunction(this, 'Function', {
      entry: ENTRY,
      description: 'Copies the recovery points of the landing vault to the recovery region',
      timeout: Duration.minutes(2),
      memorySize: 256,
      // No reserved concurrency (a new account's Lambda quota refuses any): overlapping passes start
      // each copy once, through the idempotency token (see the function).
      role,
      key: props.key,
      logRetention: props.logRetention,
      environment: {
        LANDING_VAULT_NAME: props.landingVault.backupVaultName,
        DESTINATION_VAULT_ARN: props.destinationVaultArn,
        COPY_ROLE_ARN: this.copyRole.roleArn,
        RETENTION_DAYS: String(props.copyRetention.toDays()),
      },
    });

    new events.Rule(this, 'Schedule', {
      description: `Copies landed recovery points to ${props.destinationVaultArn}`,
      schedule: events.Schedule.rate(interval),
      // A lost invocation is the next pass's work: no retry, no dead letters to read.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    // A single failed pass heals itself at the next one; two in a row mean copies are not being made.
    this.alarm = new cloudwatch.Alarm(this, 'FailingPasses', {
      alarmDescription:
        'The backup copy relay failed twice in a row: recovery points are not reaching the recovery region',
      metric: this.function.metricErrors({ period: interval, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    // Missing data counts here: a relay that stopped running reports no errors either.
    this.silenceAlarm = new cloudwatch.Alarm(this, 'NoPasses', {
      alarmDescription: 'The backup copy relay has not run for an hour: its schedule or function is broken',
      metric: this.function.metricInvocations({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.silenceAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));

    this.acknowledge(role);
  }

  private acknowledge(role: iam.Role): void {
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const acknowledge = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'backup:ListCopyJobs has no resource type; it only reads job metadata of this account and region',
    );
    for (const arn of recoveryPointArns(partition, region, account)) {
      acknowledge(
        `AwsSolutions-IAM5[Resource::${arn}]`,
        'The relay copies whichever recovery point lands; their ids are not known in advance',
      );
    }
    Validations.of(this.copyRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The AWS-maintained policy for AWS Backup roles, kept current with the resource types it copies',
    });
  }
}

/** The recovery points AWS Backup keeps in a vault of this account and region: its own, and Aurora's. */
function recoveryPointArns(partition: string, region: string, account: string): string[] {
  return [
    `arn:${partition}:backup:${region}:${account}:recovery-point:*`,
    `arn:${partition}:rds:${region}:${account}:cluster-snapshot:awsbackup:*`,
  ];
}
