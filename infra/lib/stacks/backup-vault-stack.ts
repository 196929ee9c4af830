import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { backupVaultName, type EstateConfig, recoveryVaultLock, type Site } from '../../config/index.ts';
import { BackupVault } from '../constructs/backup/backup-vault.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of {@link BackupVaultStack}. */
export interface BackupVaultStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region: the copy region of the primary account, or the recovery account's. */
  readonly site: Site;
  /** The foundation of the same site, whose estate key encrypts the copies. */
  readonly foundation: FoundationStack;
}

/** The vault lock's range from the config, shared by every vault of the estate. */
export function vaultLock(config: EstateConfig) {
  const { minRetentionDays, maxRetentionDays } = config.backup.vaultLock;
  return { minRetention: Duration.days(minRetentionDays), maxRetention: Duration.days(maxRetentionDays) };
}

/**
 * The grace of a compliance lock for a vault of `site`: only the recovery account's vaults, whose copies
 * must outlive a compromised primary account, and only when the config or profile asks for compliance.
 */
export function complianceGrace(config: EstateConfig, site: Site): Duration | undefined {
  const lock = recoveryVaultLock(config);
  return site.role === 'recovery' && lock.mode === 'compliance'
    ? Duration.days(lock.changeableForDays)
    : undefined;
}

/**
 * A vault that receives copies of the home region's recovery points: in another region of the primary
 * account (region loss), or in the recovery region of the recovery account (account loss), where the
 * relay of the landing vault copies them. Its key and policy belong to its account alone.
 *
 * Cross-account copies also need a one-time setting no CloudFormation resource exists for: from the
 * Organization's management account, with both accounts in that Organization,
 * `aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true`.
 */
export class BackupVaultStack extends EstateStack {
  /** The vault. */
  readonly vault: BackupVault;

  constructor(scope: Construct, props: BackupVaultStackProps) {
    const { config, site } = props;
    // The primary account copies into the recovery account only within the home region (see
    // BackupLandingStack); a recovery vault elsewhere receives the relay's copies, from its own account.
    const landing = site.role === 'recovery' && site.region === config.homeRegion;
    super(scope, {
      ...props,
      concern: 'Backup',
      description: landing
        ? 'backup vault receiving the primary account copies (account loss)'
        : site.role === 'recovery'
          ? 'backup vault keeping the copies the landing vault relays (account and region loss)'
          : 'backup vault receiving the home region copies (region loss)',
    });
    this.vault = new BackupVault(this, 'Vault', {
      vaultName: backupVaultName(config, site),
      key: props.foundation.key.key,
      ...vaultLock(config),
      complianceGrace: complianceGrace(config, site),
      copySource: landing
        ? { account: config.accounts.primary, organizationId: config.backup.organizationId }
        : undefined,
    });
  }
}
