import { Duration, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The tag that puts a resource (a data bucket, later) into the plan without a change here. */
export const BACKUP_TAG = { key: 'backup', value: 'true' } as const;

/** Props of {@link BackupPlan}. */
export interface BackupPlanProps {
  /** The plan's name. */
  readonly planName: string;
  /** The vault of this region that receives the recovery points. */
  readonly vault: backup.IBackupVault;
  /** Where every recovery point is copied: vaults of other regions or accounts, by ARN. */
  readonly copyTo: readonly backup.IBackupVault[];
  /** How long an hourly recovery point (and each of its copies) is kept. */
  readonly hourlyRetention: Duration;
  /** How long a daily recovery point (and each of its copies) is kept. */
  readonly dailyRetention: Duration;
  /** What is backed up besides the resources tagged {@link BACKUP_TAG}. */
  readonly resources: readonly backup.BackupResource[];
}

/**
 * Hourly and daily snapshots of the selected resources, each copied to every vault of `copyTo`.
 *
 * Snapshot rules only, no continuous backup (PITR): the cluster's own automated backups already give a
 * point-in-time window, a continuous rule would take over their retention (drift against the template),
 * and copies of a continuous backup to another region or account become snapshots anyway.
 */
export class BackupPlan extends Construct {
  /** The plan. */
  readonly plan: backup.BackupPlan;
  /** The role AWS Backup assumes to snapshot the selected resources. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const rule = (ruleName: string, minute: string, hour: string, deleteAfter: Duration) =>
      new backup.BackupPlanRule({
        ruleName,
        scheduleExpression: events.Schedule.cron({ minute, hour }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(ruleName === 'Hourly' ? 2 : 8),
        deleteAfter,
        copyActions: props.copyTo.map((destinationBackupVault) => ({ destinationBackupVault, deleteAfter })),
      });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: props.planName,
      backupVault: props.vault,
      backupPlanRules: [
        rule('Hourly', '0', '*', props.hourlyRetention),
        // 05:00 UTC, away from the hourly snapshot's start (AWS Backup skips a job that would overlap).
        rule('Daily', '30', '5', props.dailyRetention),
      ],
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: snapshots of the database and of the tagged data buckets',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupServiceRolePolicyForS3Backup'),
      ],
    });
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        reason:
          'The AWS-maintained Backup policy follows every resource type AWS Backup adds; it is the role AWS documents',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup]',
        reason:
          'S3 backups need the AWS-maintained S3 policy (bucket notifications, inventory, versions) beside the generic one',
      },
    );
    this.plan.addSelection('Selection', {
      backupSelectionName: `${props.planName}-selection`,
      resources: [...props.resources, backup.BackupResource.fromTag(BACKUP_TAG.key, BACKUP_TAG.value)],
      role: this.role,
      disableDefaultBackupPolicy: true,
    });
  }
}
