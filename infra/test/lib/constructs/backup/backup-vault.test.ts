import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { BackupVault } from '../../../../lib/constructs/backup/backup-vault.ts';

function vaultProperties(organizationId?: string, complianceGrace?: Duration) {
  const stack = new Stack(undefined, 'Test', { env: { account: '222222222222', region: 'us-east-2' } });
  new BackupVault(stack, 'Vault', {
    vaultName: 'hello-recovery-us-east-2-vault',
    key: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-2:222222222222:key/test'),
    minRetention: Duration.days(1),
    maxRetention: Duration.days(35),
    complianceGrace,
    copySource: { account: '111111111111', organizationId },
  });
  const [vault] = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupVault'));
  return vault?.Properties as Record<string, { Statement?: unknown }>;
}

function vaultPolicy(organizationId?: string) {
  return vaultProperties(organizationId).AccessPolicy?.Statement as Record<string, unknown>[];
}

describe('BackupVault', () => {
  it('DATA-4: lets the source account root copy in when no organization is configured', () => {
    const allows = vaultPolicy().filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Action: 'backup:CopyIntoBackupVault', Resource: '*' });
    expect(allows[0]?.Condition).toBeUndefined();
    expect(JSON.stringify(allows[0]?.Principal)).toMatch(
      /^\{"AWS":\{"Fn::Join":.*":iam::111111111111:root"\]\]\}\}$/,
    );
  });

  it('DATA-4: trusts the organization (aws:PrincipalOrgID) instead when an organization id is configured', () => {
    expect(vaultPolicy('o-a1b2c3d4e5').find((s) => s.Effect === 'Allow')).toMatchObject({
      Action: 'backup:CopyIntoBackupVault',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
  });

  it('SEC-2: a compliance grace makes the lock compliance mode (ChangeableForDays); without one it stays governance mode', () => {
    expect(vaultProperties(undefined, Duration.days(3)).LockConfiguration).toEqual({
      MinRetentionDays: 1,
      MaxRetentionDays: 35,
      ChangeableForDays: 3,
    });
    expect(vaultProperties().LockConfiguration).toEqual({ MinRetentionDays: 1, MaxRetentionDays: 35 });
  });
});
