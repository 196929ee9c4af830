import { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type { Construct } from 'constructs';
import {
  backupRetention,
  backupVaultArn,
  backupVaultName,
  type EstateConfig,
  type Site,
} from '../../config/index.ts';
import { BackupPlan } from '../constructs/backup/backup-plan.ts';
import { BackupVault } from '../constructs/backup/backup-vault.ts';
import { vaultLock } from './backup-vault-stack.ts';
import type { DataStack } from './data-stack.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of {@link BackupStack}. */
export interface BackupStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The home region of the primary account. */
  readonly site: Site;
  /** The foundation of the same site: the estate key. */
  readonly foundation: FoundationStack;
  /** The home region's data stack, whose cluster is backed up. */
  readonly data: DataStack;
  /** The stacks of the vaults every recovery point is copied to (the copy region, the landing vault). */
  readonly destinations: readonly EstateStack[];
}

/**
 * AWS Backup of the home region: a local vault and a plan taking hourly and daily snapshots of the
 * primary Aurora cluster (and of whatever is tagged `backup=true`), each copied to the vault of the copy
 * region and to the recovery account's vault, named by ARN (no reference crosses a region or an account).
 *
 * For RDS and Aurora, AWS Backup copies either across regions or across accounts in one copy job, not
 * both. Each copy action here therefore crosses one border only: to the copy region in this account, and
 * to the recovery account's landing vault in this region, whose relay takes the second hop.
 */
export class BackupStack extends EstateStack {
  /** The local vault, where the snapshots land first. */
  readonly vault: BackupVault;
  /** The plan and its selection. */
  readonly plan: BackupPlan;

  constructor(scope: Construct, props: BackupStackProps) {
    super(scope, {
      ...props,
      concern: 'Backup',
      description: 'backup plan of the database, copied to another region and to the recovery account',
    });
    const { config, site } = props;
    this.vault = new BackupVault(this, 'Vault', {
      vaultName: backupVaultName(config, site),
      key: props.foundation.key.key,
      ...vaultLock(config),
    });
    const copyTo = props.destinations.map((stack) =>
      backup.BackupVault.fromBackupVaultArn(
        this,
        `CopyTo-${stack.site.role}-${stack.site.region}`,
        backupVaultArn(config, stack.site, this.partition),
      ),
    );
    const retention = backupRetention(config);
    this.plan = new BackupPlan(this, 'Plan', {
      planName: `${config.appName.toLowerCase()}-${site.region}-data`,
      vault: this.vault.vault,
      copyTo,
      hourlyRetention: Duration.days(retention.hourly),
      dailyRetention: Duration.days(retention.daily),
      resources: [backup.BackupResource.fromRdsDatabaseCluster(props.data.cluster)],
    });
    // The source half of the cross-account copy: the recovery account may read the snapshots' key.
    if (config.accounts.recovery !== undefined)
      props.foundation.key.allowBackupCopyTo(config.accounts.recovery);
    // Order only (ARNs are built from names): a copy job fails if its destination vault does not exist.
    for (const stack of props.destinations) this.addStackDependency(stack);
  }
}
