import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  backupRetention,
  backupVaultArn,
  backupVaultName,
  type EstateConfig,
  estateKeyAlias,
  type Site,
} from '../../config/index.ts';
import { BackupCopyRelay } from '../constructs/backup/backup-copy-relay.ts';
import { BackupVault } from '../constructs/backup/backup-vault.ts';
import { AlarmTopic } from '../constructs/foundation/alarm-topic.ts';
import { EstateKey } from '../constructs/foundation/estate-key.ts';
import { type BackupVaultStack, complianceGrace, vaultLock } from './backup-vault-stack.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link BackupLandingStack}. */
export interface BackupLandingStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The recovery account in the home region (see `backupLandingSite`). */
  readonly site: Site;
  /** The recovery account's vault in the recovery region, where the copies are kept. */
  readonly keep: BackupVaultStack;
}

/**
 * The recovery account's foothold in the home region, for backups only: the vault the primary account's
 * plan copies into (same region, so AWS Backup accepts it for Aurora), and the relay that copies every
 * recovery point landing there on to the recovery region (same account). Its own key, since the recovery
 * account has no foundation here; no network.
 */
export class BackupLandingStack extends EstateStack {
  /** The landing vault. */
  readonly vault: BackupVault;
  /** The second hop. */
  readonly relay: BackupCopyRelay;

  constructor(scope: Construct, props: BackupLandingStackProps) {
    super(scope, {
      ...props,
      concern: 'Backup',
      description: 'landing vault of the primary account copies, relayed to the recovery region',
    });
    const { config, site } = props;
    const key = new EstateKey(this, 'EstateKey', { aliasName: estateKeyAlias(config) });
    const alarms = new AlarmTopic(this, 'Alarms', { key: key.key, email: config.alerts.email });
    this.vault = new BackupVault(this, 'Vault', {
      vaultName: backupVaultName(config, site),
      key: key.key,
      ...vaultLock(config),
      complianceGrace: complianceGrace(config, site),
      copySource: { account: config.accounts.primary, organizationId: config.backup.organizationId },
    });
    this.relay = new BackupCopyRelay(this, 'Relay', {
      landingVault: this.vault.vault,
      destinationVaultArn: backupVaultArn(config, props.keep.site, this.partition),
      copyRetention: Duration.days(Math.max(...Object.values(backupRetention(config)))),
      key: key.key,
      logRetention: this.profile.logRetentionDays as RetentionDays,
      alarmTopic: alarms.topic,
    });
    // Order only: a copy job fails if its destination vault does not exist yet.
    this.addStackDependency(props.keep);
  }
}
