import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type EstateConfig, estateKeyAlias, recoveryAccount, type Site } from '../../config/index.ts';
import { BucketReplication } from '../constructs/backup/bucket-replication.ts';
import { ParameterBackup } from '../constructs/backup/parameter-backup.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of {@link ParameterBackupStack}. */
export interface ParameterBackupStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The home region's site in the primary account. */
  readonly site: Site;
  /** The foundation of the same site. */
  readonly foundation: FoundationStack;
  /** The recovery account's data stack: its replica bucket and key grants must exist first. */
  readonly recovery: EstateStack;
}

/** The names both accounts compute for the parameter backup and the replication. */
export function backupNames(config: EstateConfig) {
  const app = config.appName.toLowerCase();
  const { homeRegion, recoveryRegion, accounts } = config;
  return {
    exportBucket: `${app}-parameter-exports-${accounts.primary}-${homeRegion}`,
    functionRole: `${app}-parameter-backup-${homeRegion}`,
    replicationRole: `${app}-bucket-replication-${homeRegion}`,
    replicaBucket: `${app}-replica-${recoveryAccount({ accounts })}-${recoveryRegion}`,
  } as const;
}

/**
 * The home region's parameter backup (DATA-5) and the replication of its export bucket to the recovery
 * account (DATA-7). A stack of its own rather than part of the data stack: parameters need backing up
 * even in an estate without a database.
 */
export class ParameterBackupStack extends EstateStack {
  /** The replication of the home region's data buckets. */
  readonly replication: BucketReplication;
  /** The parameter backup. */
  readonly backup: ParameterBackup;

  constructor(scope: Construct, props: ParameterBackupStackProps) {
    super(scope, {
      ...props,
      concern: 'Parameters',
      description:
        'SSM parameter backup to the recovery region and export bucket replicated to the recovery account',
    });
    const { config, foundation } = props;
    const names = backupNames(config);
    const alias = estateKeyAlias(config);
    const recovery = { account: recoveryAccount(config), region: config.recoveryRegion };
    this.replication = new BucketReplication(this, 'Replication', {
      roleName: names.replicationRole,
      destination: { ...recovery, bucketName: names.replicaBucket, keyAlias: alias },
      // RTC bills per GB on top of replication: the 15-minute guarantee is worth it in production only.
      replicationTimeControl: config.profile === 'production',
    });
    this.backup = new ParameterBackup(this, 'ParameterBackup', {
      parameterPrefix: `/${config.appName.toLowerCase()}/`,
      key: foundation.key.key,
      bucketName: names.exportBucket,
      accessLogs: foundation.accessLogs.bucket,
      roleName: names.functionRole,
      recoveryRegion: config.recoveryRegion,
      // The primary account has no estate key in the recovery region; the AWS-managed SSM key is in every
      // region of every account.
      recoveryParameterKeyId: 'alias/aws/ssm',
      // The recovery account's key: the primary account has no estate key in the recovery region, and this
      // one survives the loss of the home region and of the primary account alike. The exports replicate
      // to that account, which then unseals them with its own key.
      exportValueKey: { ...recovery, alias },
      logRetention: this.profile.logRetentionDays as RetentionDays,
      replication: this.replication,
    });
    // Order only (no value crosses): the replica bucket and the key grants must exist first.
    this.addStackDependency(props.recovery);
  }
}
