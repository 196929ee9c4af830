import type { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Who may copy recovery points into a vault of another account. */
export interface BackupCopySource {
  /** The account whose backup plan copies here. */
  readonly account: string;
  /** Its AWS Organization; set: any principal of the organization, instead of the account alone. @default - the account */
  readonly organizationId?: string;
}

/** Props of {@link BackupVault}. */
export interface BackupVaultProps {
  /** Vault name, deterministic so a plan in another region or account can build the ARN. */
  readonly vaultName: string;
  /** The region's customer-managed key; copies arriving here are re-encrypted with it. */
  readonly key: kms.IKey;
  /** The vault lock's range: a backup or copy job whose retention lies outside it fails. */
  readonly minRetention: Duration;
  /** Upper end of the vault lock's range. */
  readonly maxRetention: Duration;
  /**
   * Set: a compliance lock, which nobody (not even the account's root) can lift or loosen once this
   * grace has passed, and which keeps the vault until its last recovery point expires.
   * @default - governance mode, which an administrator of the account may lift
   */
  readonly complianceGrace?: Duration;
  /** The other account allowed to copy into this vault. @default - none (same-account copies only) */
  readonly copySource?: BackupCopySource;
}

/**
 * A vault of the estate: encrypted with the region's key, locked (governance or compliance mode), and
 * refusing manual deletion of recovery points, so the only way out is the lifecycle the plan gave them.
 */
export class BackupVault extends Construct {
  /** The vault. */
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: BackupVaultProps) {
    super(scope, id);
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: props.key,
      // changeableFor is what makes the lock compliance mode; without it a principal allowed
      // backup:DeleteBackupVaultLockConfiguration lifts the lock, as a lab needs to tear down.
      lockConfiguration: {
        minRetention: props.minRetention,
        maxRetention: props.maxRetention,
        ...(props.complianceGrace === undefined ? {} : { changeableFor: props.complianceGrace }),
      },
      // Deny DeleteRecoveryPoint and UpdateRecoveryPointLifecycle to every principal. Expiry is the
      // plan's lifecycle, run by AWS Backup itself, which the access policy does not govern.
      blockRecoveryPointDeletion: true,
    });
    if (props.copySource !== undefined) this.allowCopiesFrom(props.copySource);
  }

  /**
   * The destination half of a cross-account copy: `backup:CopyIntoBackupVault` for the source account
   * (its root, which delegates to its Backup role) or, with an organization id, any principal of the
   * organization. Nothing else may write here from outside.
   */
  private allowCopiesFrom(source: BackupCopySource): void {
    const organization = source.organizationId;
    this.vault.addToAccessPolicy(
      new iam.PolicyStatement({
        sid: 'CopyIntoFromPrimary',
        actions: ['backup:CopyIntoBackupVault'],
        principals: [
          organization === undefined ? new iam.AccountPrincipal(source.account) : new iam.AnyPrincipal(),
        ],
        resources: ['*'],
        ...(organization === undefined
          ? {}
          : { conditions: { StringEquals: { 'aws:PrincipalOrgID': organization } } }),
      }),
    );
  }
}
