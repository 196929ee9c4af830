import * as backup from 'aws-cdk-lib/aws-backup';
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../../bin/estate.ts';
import { parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { estate, type SynthesizedStack, type TemplateJson } from '../../support/estate.ts';
import { type Decision, evaluate, type PolicyStatement } from '../../support/policy-evaluator.ts';
import { only, props, resources } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const PRIMARY = '111111111111';
const RECOVERY = '222222222222';
const COPY_VAULT = `arn:aws:backup:eu-central-1:${PRIMARY}:backup-vault:hello-eu-central-1-vault`;
const LANDING_VAULT = `arn:aws:backup:us-east-1:${RECOVERY}:backup-vault:hello-recovery-us-east-1-vault`;
const RETENTION = { lab: { hourly: 1, daily: 7 }, production: { hourly: 7, daily: 35 } } as const;

type Json = Record<string, unknown>;
type Statement = Json;

const planOf = (stack: SynthesizedStack) =>
  props(only(stack.json, 'AWS::Backup::BackupPlan')[1]).BackupPlan as {
    BackupPlanRule: Json[];
  };

function keyStatements(json: TemplateJson): Statement[] {
  const [, key] = only(json, 'AWS::KMS::Key');
  return (props(key).KeyPolicy as { Statement: Statement[] }).Statement;
}

/** Whether `value` is an output of `stackName` whose name mentions `what`. */
function outputOf(value: unknown, stackName: string, what: string): boolean {
  const text = JSON.stringify(value ?? null);
  return text.includes(`"StackName":"${stackName}"`) && text.includes(what);
}

describe.each(PROFILES)('the backup stacks of the %s estate', (profile) => {
  const home = () => estate(profile).stack('Hello-Backup-us-east-1');
  const copy = () => estate(profile).stack('Hello-Backup-eu-central-1');
  const landing = () => estate(profile).stack('Hello-Recovery-Backup-us-east-1');
  const recovery = () => estate(profile).stack('Hello-Recovery-Backup-us-east-2');
  const vaults = () =>
    [home(), copy(), landing(), recovery()].map(
      (s) => [s, props(only(s.json, 'AWS::Backup::BackupVault')[1])] as const,
    );

  it('DATA-4: a plan in the home region; vaults in the copy region, and in the recovery account at home and in its region', () => {
    expect(vaults().map(([s, v]) => [`${s.account}/${s.region}`, v.BackupVaultName])).toEqual([
      [`${PRIMARY}/us-east-1`, 'hello-us-east-1-vault'],
      [`${PRIMARY}/eu-central-1`, 'hello-eu-central-1-vault'],
      [`${RECOVERY}/us-east-1`, 'hello-recovery-us-east-1-vault'],
      [`${RECOVERY}/us-east-2`, 'hello-recovery-us-east-2-vault'],
    ]);
    for (const stack of [copy(), landing(), recovery()])
      expect(resources(stack.json, 'AWS::Backup::BackupPlan'), stack.name).toEqual([]);
  });

  it('DATA-4: hourly and daily rules with the configured schedules and retention', () => {
    const rules = planOf(home()).BackupPlanRule;
    expect(rules.map((r) => [r.RuleName, r.ScheduleExpression, r.Lifecycle])).toEqual([
      ['Hourly', 'cron(0 * * * ? *)', { DeleteAfterDays: RETENTION[profile].hourly }],
      ['Daily', 'cron(30 5 * * ? *)', { DeleteAfterDays: RETENTION[profile].daily }],
    ]);
    const [vaultId] = only(home().json, 'AWS::Backup::BackupVault');
    for (const rule of rules)
      expect(rule.TargetBackupVault).toEqual({ 'Fn::GetAtt': [vaultId, 'BackupVaultName'] });
  });

  it('DATA-4: every rule copies across one border per copy: to the copy region, and to the recovery account in this region', () => {
    for (const rule of planOf(home()).BackupPlanRule) {
      const lifecycle = rule.Lifecycle;
      expect(rule.CopyActions, String(rule.RuleName)).toEqual([
        { DestinationBackupVaultArn: COPY_VAULT, Lifecycle: lifecycle },
        { DestinationBackupVaultArn: LANDING_VAULT, Lifecycle: lifecycle },
      ]);
    }
  });

  it('DATA-4: selects the primary Aurora cluster and whatever is tagged backup=true', () => {
    const selection = props(only(home().json, 'AWS::Backup::BackupSelection')[1]).BackupSelection as Json;
    const [clusterArn, ...others] = selection.Resources as unknown[];
    expect(others).toEqual([]);
    expect(JSON.stringify(clusterArn)).toContain(`arn:aws:rds:us-east-1:${PRIMARY}:cluster:`);
    expect(outputOf(clusterArn, 'Hello-Data-us-east-1', 'DatabaseCluster')).toBe(true);
    expect(selection.ListOfTags).toEqual([
      { ConditionKey: 'backup', ConditionType: 'STRINGEQUALS', ConditionValue: 'true' },
    ]);
    const [roleId] = only(home().json, 'AWS::IAM::Role');
    expect(selection.IamRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  it('DATA-4: the role the selection names may be assumed by AWS Backup and holds the policies its jobs need', () => {
    const selection = props(only(home().json, 'AWS::Backup::BackupSelection')[1]).BackupSelection as Json;
    const roleId = (selection.IamRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = props(home().json.Resources[roleId]);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
      ],
    });
    // Snapshots of the cluster (and of whatever else is tagged), and of the tagged S3 buckets.
    const policies = (role.ManagedPolicyArns as unknown[]).map((arn) =>
      JSON.stringify(arn).replace(/^.*:iam::aws:policy\/(.+?)".*$/, '$1'),
    );
    expect(policies.sort()).toEqual([
      'AWSBackupServiceRolePolicyForS3Backup',
      'service-role/AWSBackupServiceRolePolicyForBackup',
    ]);
    // Nothing the template attaches besides them could stand in for them, nor take a permission away.
    const attached = resources(home().json, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(props(p).Roles ?? []).includes(roleId),
    );
    for (const [id, policy] of attached) {
      const statements = (props(policy).PolicyDocument as { Statement: Statement[] }).Statement;
      expect(
        statements.filter((s) => s.Effect === 'Deny'),
        id,
      ).toEqual([]);
    }
  });

  it('DATA-4: the landing vault lets only the primary account copy in; no vault lets anybody delete', () => {
    const landingVault = props(only(landing().json, 'AWS::Backup::BackupVault')[1]);
    const statements = (landingVault.AccessPolicy as { Statement: Statement[] }).Statement;
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Sid: 'CopyIntoFromPrimary',
        Effect: 'Allow',
        Action: 'backup:CopyIntoBackupVault',
        Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
        Resource: '*',
      },
    ]);
    for (const [stack, vault] of vaults()) {
      const policy = (vault.AccessPolicy as { Statement: Statement[] }).Statement;
      expect(
        policy.filter((s) => s.Effect === 'Deny'),
        stack.name,
      ).toEqual([
        {
          Effect: 'Deny',
          Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
          Principal: { AWS: '*' },
          Resource: '*',
        },
      ]);
      if (stack !== landing())
        expect(
          policy.some((s) => s.Effect === 'Allow'),
          stack.name,
        ).toBe(false);
    }
  });

  it('SEC-2: the recovery account vaults are locked in compliance mode after a 3-day grace in production, governance in a lab; the primary account vaults in governance mode, all with the configured range', () => {
    const recoveryLock =
      profile === 'production'
        ? { MinRetentionDays: 1, MaxRetentionDays: 35, ChangeableForDays: 3 }
        : { MinRetentionDays: 1, MaxRetentionDays: 35 };
    const locks = vaults().map(([stack, vault]) => [stack.account, vault.LockConfiguration]);
    expect(locks).toEqual(
      vaults().map(([stack]) => [
        stack.account,
        stack.account === RECOVERY ? recoveryLock : { MinRetentionDays: 1, MaxRetentionDays: 35 },
      ]),
    );
    expect(locks.filter(([account]) => account === RECOVERY)).toHaveLength(2);
  });

  it('DATA-4: every vault is encrypted with its own site estate key, which rotates', () => {
    const [landingKeyId, landingKey] = only(landing().json, 'AWS::KMS::Key');
    expect(props(landingKey).EnableKeyRotation).toBe(true);
    const landingVault = props(only(landing().json, 'AWS::Backup::BackupVault')[1]);
    expect(landingVault.EncryptionKeyArn).toEqual({ 'Fn::GetAtt': [landingKeyId, 'Arn'] });
    for (const [stack, vault] of vaults()) {
      if (stack === landing()) continue;
      const foundation = stack.name.replace('Backup', 'Foundation');
      expect(outputOf(vault.EncryptionKeyArn, foundation, 'EstateKey'), stack.name).toBe(true);
      const [, key] = only(estate(profile).stack(foundation).json, 'AWS::KMS::Key');
      expect(props(key).EnableKeyRotation, foundation).toBe(true);
    }
  });

  it('SEC-2, DATA-4: the source key serves the recovery account only for the copy: through RDS or AWS Backup in the home region, never directly', () => {
    const toRecovery = keyStatements(estate(profile).stack('Hello-Foundation-us-east-1').json).filter((s) =>
      JSON.stringify(s.Principal).includes(RECOVERY),
    ) as unknown as PolicyStatement[];
    const call = (action: string, via: string | undefined, grantForAws = true) =>
      evaluate(toRecovery, {
        action,
        context: {
          'kms:CallerAccount': RECOVERY,
          'kms:GrantIsForAWSResource': grantForAws,
          ...(via === undefined ? {} : { 'kms:ViaService': via }),
        },
      });
    // What RDS does for the recovery account's Backup during the copy of a shared Aurora snapshot.
    const copy = ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'];
    const table: [string, string | undefined, Decision][] = [
      ...copy.flatMap((a): [string, string | undefined, Decision][] => [
        [a, 'rds.us-east-1.amazonaws.com', 'allow'],
        [a, 'backup.us-east-1.amazonaws.com', 'allow'],
        [a, undefined, 'implicit deny'],
        [a, 'secretsmanager.us-east-1.amazonaws.com', 'implicit deny'],
        [a, 'ssm.us-east-1.amazonaws.com', 'implicit deny'],
        [a, 'logs.us-east-1.amazonaws.com', 'implicit deny'],
        [a, 'rds.eu-central-1.amazonaws.com', 'implicit deny'],
      ]),
      ['kms:Encrypt', 'rds.us-east-1.amazonaws.com', 'implicit deny'],
      ['kms:GenerateDataKey', 'rds.us-east-1.amazonaws.com', 'implicit deny'],
      ['kms:ReEncryptFrom', 'rds.us-east-1.amazonaws.com', 'implicit deny'],
    ];
    expect(table.map(([a, via]) => [a, via, call(a, via)])).toEqual(table);
    expect(call('kms:CreateGrant', 'rds.us-east-1.amazonaws.com', false)).toBe('implicit deny');
    for (const region of ['eu-central-1', 'eu-west-1']) {
      const text = JSON.stringify(keyStatements(estate(profile).stack(`Hello-Foundation-${region}`).json));
      expect(text, region).not.toContain(RECOVERY);
    }
  });

  it('DATA-4: the plan deploys after the data stack and both destination vaults, the landing vault after the kept one (order only)', () => {
    expect(home().dependsOn).toEqual(
      expect.arrayContaining([
        'Hello-Data-us-east-1',
        'Hello-Backup-eu-central-1',
        'Hello-Recovery-Backup-us-east-1',
      ]),
    );
    expect(landing().dependsOn).toEqual(['Hello-Recovery-Backup-us-east-2']);
  });
});

describe('the backup stacks of other configurations', () => {
  const compose = (overrides: unknown) => {
    const app = createEstateApp({ builtinValidation: false });
    // Composition only: nothing is synthesized or bundled.
    app.node.setContext('aws:cdk:bundling-stacks', []);
    return buildEstate(app, parseConfig(overrides)).stacks.map((s) => s.stackName);
  };

  it('DATA-4: none when features.backup is off', () => {
    expect(compose({ features: { backup: false } }).filter((n) => n.includes('Backup'))).toEqual([]);
  });

  it('DATA-4: a configured copy region gets the copy vault instead of the database secondary region', () => {
    expect(compose({ backup: { copyRegion: 'us-west-2' } }).filter((n) => n.includes('Backup'))).toEqual([
      'Hello-Recovery-Backup-us-east-2',
      'Hello-Recovery-Backup-us-east-1',
      'Hello-Backup-us-west-2',
      'Hello-Backup-us-east-1',
    ]);
  });

  it('SEC-2: backup.vaultLock.recovery overrides the profile: a lab may lock its recovery vaults in compliance mode with its own grace', () => {
    const app = createEstateApp({ builtinValidation: false });
    app.node.setContext('aws:cdk:bundling-stacks', []);
    const lock = { minRetentionDays: 1, maxRetentionDays: 35 };
    const { stacks } = buildEstate(
      app,
      parseConfig({
        backup: { vaultLock: { ...lock, recovery: { mode: 'compliance', changeableForDays: 7 } } },
      }),
    );
    const locks = stacks.flatMap((stack) =>
      stack.node
        .findAll()
        .filter((c): c is backup.CfnBackupVault => c instanceof backup.CfnBackupVault)
        .map((v) => [stack.account, stack.resolve(v.lockConfiguration)]),
    );
    expect(locks).toEqual([
      [RECOVERY, { ...lock, changeableForDays: 7 }],
      [RECOVERY, { ...lock, changeableForDays: 7 }],
      [PRIMARY, lock],
      [PRIMARY, lock],
    ]);
  });

  it('DATA-4: a recovery region equal to the home region needs no landing vault and no relay', () => {
    // The golden AMI cannot share a region between the recovery account's copy and an EC2 engine's.
    const config = { recoveryRegion: 'us-east-1', features: { goldenAmi: false } };
    expect(compose(config).filter((n) => n.includes('Backup'))).toEqual([
      'Hello-Recovery-Backup-us-east-1',
      'Hello-Backup-eu-central-1',
      'Hello-Backup-us-east-1',
    ]);
  });
});
