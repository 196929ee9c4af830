import { describe, expect, it } from 'vitest';
import { policyPrincipals } from '../../../lib/rules/principals.ts';
import { assembly, PRIMARY, RECOVERY, stack } from './fixtures.ts';

const SLR = `arn:aws:iam::${PRIMARY}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

const key = (principal: unknown, extra: object = {}) => ({
  Type: 'AWS::KMS::Key',
  Properties: {
    KeyPolicy: {
      Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Principal: { AWS: principal } }],
    },
  },
  ...extra,
});
const linkedRole = {
  Type: 'AWS::IAM::ServiceLinkedRole',
  Properties: { AWSServiceName: 'autoscaling.amazonaws.com' },
};

describe(policyPrincipals.id, () => {
  const check = (...stacks: Parameters<typeof assembly>) => policyPrincipals.check(assembly(...stacks), {});

  it('SEC-3: a key policy naming the Auto Scaling service-linked role needs the role created first', () => {
    expect(check(stack('Foundation', { Key: key(SLR) }))).toEqual([
      expect.objectContaining({
        stack: 'Foundation',
        logicalId: 'Key',
        message: expect.stringContaining(SLR),
      }),
    ]);
    expect(check(stack('Foundation', { Slr: linkedRole, Key: key(SLR, { DependsOn: 'Slr' }) }))).toEqual([]);
    expect(
      check(
        stack('Roles', { Slr: linkedRole }),
        stack('Foundation', { Key: key(SLR) }, { dependsOn: ['Roles'] }),
      ),
    ).toEqual([]);
  });

  it('SEC-3: a service-linked role created in the same stack without a DependsOn may come too late', () => {
    expect(check(stack('Foundation', { Slr: linkedRole, Key: key(SLR) }))).toHaveLength(1);
  });

  it('SEC-3: a constructed service-linked role ARN is recognised, and a preflight-checked one passes', () => {
    const built = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          ':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
        ],
      ],
    };
    expect(check(stack('Foundation', { Key: key(built) }))).toHaveLength(1);
    expect(
      policyPrincipals.check(assembly(stack('Foundation', { Key: key(built) })), {
        prerequisites: ['AWSServiceRoleForAutoScaling'],
      }),
    ).toEqual([]);
  });

  it('SEC-3: a topic, bucket, vault or trust policy naming a role of another account needs that role deployed first', () => {
    const replicator = `arn:aws:iam::${PRIMARY}:role/hello-replication`;
    const vault = {
      Type: 'AWS::Backup::BackupVault',
      Properties: {
        AccessPolicy: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'backup:CopyIntoBackupVault',
              Resource: '*',
              Principal: { AWS: replicator },
            },
          ],
        },
      },
    };
    const creator = stack('Replication', {
      R: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'hello-replication' } },
    });
    expect(check(creator, stack('Vault', { Vault: vault }, { account: RECOVERY }))).toEqual([
      expect.objectContaining({
        logicalId: 'Vault',
        message: expect.stringContaining('not deployed before'),
      }),
    ]);
    expect(
      check(creator, stack('Vault', { Vault: vault }, { account: RECOVERY, dependsOn: ['Replication'] })),
    ).toEqual([]);
    expect(check(stack('Vault', { Vault: vault }, { account: RECOVERY }))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('no stack of the assembly creates') }),
    ]);
  });

  it('SEC-3: account roots and roles named in conditions need nothing to exist', () => {
    const conditioned = {
      Type: 'AWS::KMS::Key',
      Properties: {
        KeyPolicy: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: '*',
              Principal: { AWS: `arn:aws:iam::${RECOVERY}:root` },
            },
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: '*',
              Principal: { AWS: '*' },
              Condition: { ArnEquals: { 'aws:PrincipalArn': SLR } },
            },
          ],
        },
      },
    };
    expect(check(stack('Foundation', { Key: conditioned }))).toEqual([]);
  });
});
