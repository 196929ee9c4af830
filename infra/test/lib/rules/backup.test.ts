import { describe, expect, it } from 'vitest';
import {
  actionResourceFormats,
  copyFunctionRetention,
  lockedVaultRetention,
  selectionRolePolicies,
} from '../../../lib/rules/backup.ts';
import { arn, assembly, fn, policy, RECOVERY, role, stack } from './fixtures.ts';

const vault = (name: string, lock = { MinRetentionDays: 1, MaxRetentionDays: 35 }) => ({
  Type: 'AWS::Backup::BackupVault',
  Properties: { BackupVaultName: name, LockConfiguration: lock },
});
const recovery = stack('Recovery', { Vault: vault('recovery-vault') }, { account: RECOVERY });

describe(lockedVaultRetention.id, () => {
  const plan = (lifecycle: object | undefined, copyLifecycle?: object) => ({
    Type: 'AWS::Backup::BackupPlan',
    Properties: {
      BackupPlan: {
        BackupPlanName: 'p',
        BackupPlanRule: [
          {
            RuleName: 'Daily',
            TargetBackupVault: { 'Fn::GetAtt': ['Vault', 'BackupVaultName'] },
            ...(lifecycle === undefined ? {} : { Lifecycle: lifecycle }),
            CopyActions: [
              {
                DestinationBackupVaultArn: `arn:aws:backup:us-east-1:${RECOVERY}:backup-vault:recovery-vault`,
                ...(copyLifecycle === undefined ? {} : { Lifecycle: copyLifecycle }),
              },
            ],
          },
        ],
      },
    },
  });

  it('SEC-3: backups and copies into a locked vault keep recovery points within the lock', () => {
    const ok = stack('Backup', { Vault: vault('home-vault'), Plan: plan({ DeleteAfterDays: 7 }) });
    expect(lockedVaultRetention.check(assembly(ok, recovery), {})).toEqual([]);
    const tooLong = stack('Backup', { Vault: vault('home-vault'), Plan: plan({ DeleteAfterDays: 90 }) });
    expect(lockedVaultRetention.check(assembly(tooLong, recovery), {}).map((f) => f.message)).toEqual([
      expect.stringContaining('home-vault'),
      expect.stringContaining('recovery-vault'),
    ]);
  });

  it('SEC-3: a copy action’s own lifecycle is the one the destination lock judges, and none means forever', () => {
    const copyTooLong = stack('Backup', {
      Vault: vault('home-vault'),
      Plan: plan({ DeleteAfterDays: 7 }, { DeleteAfterDays: 36 }),
    });
    expect(lockedVaultRetention.check(assembly(copyTooLong, recovery), {})).toHaveLength(1);
    const forever = stack('Backup', { Vault: vault('home-vault'), Plan: plan(undefined) });
    expect(lockedVaultRetention.check(assembly(forever, recovery), {})).toHaveLength(2);
  });
});

describe(copyFunctionRetention.id, () => {
  const relay = (variables: Record<string, unknown>) =>
    stack(
      'Relay',
      {
        Fn: fn('Role', {
          Environment: {
            Variables: {
              DESTINATION_VAULT_ARN: `arn:aws:backup:us-east-2:${RECOVERY}:backup-vault:kept`,
              ...variables,
            },
          },
        }),
        Role: role('lambda.amazonaws.com'),
        Policy: policy('Role', { Effect: 'Allow', Action: 'backup:StartCopyJob', Resource: '*' }),
      },
      { account: RECOVERY },
    );
  const kept = stack('Kept', { Vault: vault('kept') }, { account: RECOVERY, region: 'us-east-2' });

  it('SEC-3: a function copying into a locked vault is given a retention within the lock', () => {
    expect(copyFunctionRetention.check(assembly(relay({}), kept), {})).toEqual([
      expect.objectContaining({ logicalId: 'Fn', message: expect.stringContaining('no retention setting') }),
    ]);
    expect(copyFunctionRetention.check(assembly(relay({ RETENTION_DAYS: '7' }), kept), {})).toEqual([]);
    expect(copyFunctionRetention.check(assembly(relay({ RETENTION_DAYS: '400' }), kept), {})).toHaveLength(1);
  });
});

describe(actionResourceFormats.id, () => {
  const cluster = stack('Data', {
    Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql' } },
  });
  const copier = (...resources: string[]) =>
    stack(
      'Relay',
      {
        Role: role('lambda.amazonaws.com'),
        Policy: policy('Role', { Effect: 'Allow', Action: 'backup:StartCopyJob', Resource: resources }),
      },
      { account: RECOVERY },
    );

  it('SEC-3: StartCopyJob on Aurora recovery points is allowed on their RDS cluster-snapshot ARNs', () => {
    const backupOnly = copier(`arn:aws:backup:us-east-1:${RECOVERY}:recovery-point:*`);
    expect(actionResourceFormats.check(assembly(cluster, backupOnly), {})).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(`arn:aws:rds:us-east-1:${RECOVERY}:cluster-snapshot:awsbackup:*`),
      }),
    ]);
    const both = copier(
      `arn:aws:backup:us-east-1:${RECOVERY}:recovery-point:*`,
      `arn:aws:rds:us-east-1:${RECOVERY}:cluster-snapshot:awsbackup:*`,
    );
    expect(actionResourceFormats.check(assembly(cluster, both), {})).toEqual([]);
    expect(actionResourceFormats.check(assembly(cluster, copier('*')), {})).toEqual([]);
  });
});

describe(selectionRolePolicies.id, () => {
  const selection = (policies: string[]) =>
    stack('Backup', {
      Role: role('backup.amazonaws.com', {
        ManagedPolicyArns: policies.map((p) => `arn:aws:iam::aws:policy/${p}`),
      }),
      Selection: {
        Type: 'AWS::Backup::BackupSelection',
        Properties: {
          BackupPlanId: 'p',
          BackupSelection: { IamRoleArn: arn('Role'), ListOfTags: [{ ConditionKey: 'backup' }] },
        },
      },
    });

  it('SEC-3: a selection’s role carries the AWS Backup managed policies its jobs need', () => {
    expect(
      selectionRolePolicies.check(
        assembly(selection(['service-role/AWSBackupServiceRolePolicyForBackup'])),
        {},
      ),
    ).toEqual([
      expect.objectContaining({ message: expect.stringContaining('AWSBackupServiceRolePolicyForS3Backup') }),
    ]);
    const both = selection([
      'service-role/AWSBackupServiceRolePolicyForBackup',
      'AWSBackupServiceRolePolicyForS3Backup',
    ]);
    expect(selectionRolePolicies.check(assembly(both), {})).toEqual([]);
  });
});
