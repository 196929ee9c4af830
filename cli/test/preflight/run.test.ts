import { spawnSync } from 'node:child_process';
import { DescribeGlobalSettingsCommand } from '@aws-sdk/client-backup';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeConfigurationRecordersCommand } from '@aws-sdk/client-config-service';
import { DescribeAddressesCommand, DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import { ListPlatformVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { RECOVERY_EXECUTION_POLICY } from '../../preflight/bootstrap.ts';
import type { EstateAssembly } from '../../preflight/estate.ts';
import { exitCode, formatRows, summaryLine } from '../../preflight/report.ts';
import { runPreflight } from '../../preflight/run.ts';
import { parsePreflightArguments } from '../../preflight.ts';
import { awsError, type FakeAws, fakeAws, PRIMARY, RECOVERY, testConfig } from './support.ts';

const DOMAIN = 'hello-estate.dev';
const ZONE_NS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'];
const config = testConfig({ dns: { domainName: DOMAIN, hostedZoneId: 'Z0123456789ABC' } });
const ASSEMBLY: EstateAssembly = {
  bootstrapVersion: 6,
  stacks: [
    {
      name: 'Hello-Foundation-us-east-1',
      account: PRIMARY,
      region: 'us-east-1',
      template: { Resources: { Nat: { Type: 'AWS::EC2::NatGateway' }, Eip: { Type: 'AWS::EC2::EIP' } } },
    },
    { name: 'Hello-Recovery-Foundation-us-east-2', account: RECOVERY, region: 'us-east-2', template: {} },
  ],
};

/** Two accounts ready for a first deploy. */
function ready(): FakeAws {
  const aws = fakeAws();
  for (const role of ['primary', 'recovery'] as const) {
    const account = role === 'primary' ? PRIMARY : RECOVERY;
    aws
      .stub('sts', role)
      .on(GetCallerIdentityCommand)
      .resolves({ Account: account, Arn: `arn:aws:iam::${account}:user/d` });
    aws
      .stub('cloudFormation', role)
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          {
            StackName: 'CDKToolkit',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Parameters: [{ ParameterKey: 'TrustedAccounts', ParameterValue: PRIMARY }],
          },
        ],
      });
    aws
      .stub('ssm', role)
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: '30' } });
    aws
      .stub('iam', role)
      .on(GetRoleCommand)
      .callsFake(({ RoleName }) => ({
        Role: {
          RoleName,
          Path: '/aws-service-role/',
          RoleId: 'AROA',
          Arn: `arn:aws:iam::${account}:role/${RoleName}`,
          CreateDate: new Date(),
        },
      }))
      .on(ListAttachedRolePoliciesCommand)
      .resolves({ AttachedPolicies: [{ PolicyName: RECOVERY_EXECUTION_POLICY }] });
    aws
      .stub('serviceQuotas', role)
      .on(GetServiceQuotaCommand)
      .resolves({ Quota: { Value: 10_000 } });
    aws
      .stub('ec2', role)
      .on(DescribeInstanceTypesCommand)
      .resolves({ InstanceTypes: [{ VCpuInfo: { DefaultVCpus: 2 } }] })
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [] });
    aws
      .stub('organizations', role)
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: PRIMARY } });
  }
  for (const role of ['primary', 'recovery'] as const) {
    aws
      .stub('configService', role)
      .on(DescribeConfigurationRecordersCommand)
      .resolves({ ConfigurationRecorders: [] });
  }
  aws
    .stub('backup', 'primary')
    .on(DescribeGlobalSettingsCommand)
    .resolves({ GlobalSettings: { isCrossAccountBackupEnabled: 'true' } });
  aws
    .stub('elasticBeanstalk', 'primary')
    .on(ListPlatformVersionsCommand)
    .resolves({
      PlatformSummaryList: [
        { PlatformStatus: 'Ready', PlatformVersion: '6.11.0', PlatformBranchLifecycleState: 'supported' },
      ],
    });
  aws
    .stub('rds', 'primary')
    .on(DescribeDBEngineVersionsCommand)
    .resolves({
      DBEngineVersions: [{ EngineVersion: '16.9', Status: 'available', SupportsGlobalDatabases: true }],
    });
  aws
    .stub('route53', 'primary')
    .on(GetHostedZoneCommand)
    .resolves({ DelegationSet: { NameServers: ZONE_NS } });
  aws.delegate(DOMAIN, ZONE_NS);
  return aws;
}

describe('npm run preflight', () => {
  it('OPS-6: accounts ready for a first deploy give only ok rows, every group present, and exit 0', async () => {
    const rows = await runPreflight(config, ASSEMBLY, ready().clients, {});
    expect(rows.filter((r) => r.status !== 'ok')).toEqual([]);
    const groups = new Set(rows.map((r) => r.check.split(/[: ]/)[0]));
    expect([...groups]).toEqual([
      'identity',
      'bootstrap',
      'execution',
      'quota',
      'cross-account',
      'service-linked',
      'Beanstalk',
      'Aurora',
      'config',
      'domain',
      'recovery',
    ]);
    expect(exitCode(rows)).toBe(0);
    expect(summaryLine(rows)).toMatch(/^0 blockers, 0 warnings, \d+ ok: ready to deploy$/);
  });

  it('OPS-6: one blocker anywhere makes the exit code 1', async () => {
    const aws = ready();
    aws
      .stub('ssm', 'recovery')
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: '5' } });
    const rows = await runPreflight(config, ASSEMBLY, aws.clients, {});
    expect(rows.filter((r) => r.status === 'BLOCKER').map((r) => `${r.check} ${r.scope}`)).toEqual([
      'bootstrap recovery us-east-2',
    ]);
    expect(exitCode(rows)).toBe(1);
    expect(summaryLine(rows)).toMatch(/^1 blocker, 0 warnings/);
  });

  it('OPS-6: credentials refused everything still give a full table, each row naming the permission it lacks', async () => {
    const aws = fakeAws();
    const denied = awsError('AccessDenied', 'User is not authorized to perform this operation');
    for (const role of ['primary', 'recovery'] as const) {
      aws
        .stub('sts', role)
        .on(GetCallerIdentityCommand)
        .resolves({ Account: role === 'primary' ? PRIMARY : RECOVERY });
      for (const service of [
        'cloudFormation',
        'ssm',
        'iam',
        'serviceQuotas',
        'ec2',
        'organizations',
        'backup',
        'elasticBeanstalk',
        'rds',
        'configService',
        'route53',
      ] as const) {
        // Any stub refuses the same way; the union of their types is not callable as one.
        const stub: { onAnyCommand(): { rejects(error: Error): unknown } } = aws.stub(service, role);
        stub.onAnyCommand().rejects(denied);
      }
    }
    const rows = await runPreflight(config, ASSEMBLY, aws.clients, {});
    const unchecked = rows.filter((r) => r.status !== 'ok');
    expect(unchecked.length).toBeGreaterThan(10);
    for (const r of unchecked)
      expect(r.detail).toMatch(/^not checked: [a-z0-9-]+:[A-Za-z]+(, [a-z0-9-]+:[A-Za-z]+)* was refused$/);
    expect(unchecked.map((r) => r.detail)).toContain('not checked: iam:GetRole was refused');
    expect(formatRows(rows).split('\n')[0]).toMatch(/^check +scope +status +detail +fix$/);
  });

  it('OPS-6: the command takes the account profiles and the estate profile, nothing that acts', () => {
    expect(
      parsePreflightArguments([
        '--primary-profile',
        'prod',
        '--recovery-profile=dr',
        '--profile',
        'production',
      ]),
    ).toEqual({
      estateProfile: 'production',
      profiles: { primary: 'prod', recovery: 'dr' },
    });
    expect(() => parsePreflightArguments(['--yes'])).toThrow(/unknown argument --yes/);
    expect(() => parsePreflightArguments(['--primary-profile'])).toThrow(/--primary-profile needs a value/);
    expect(() => parsePreflightArguments(['--primary-profle', 'x'])).toThrow(
      /unknown argument --primary-profle/,
    );
  });

  it('OPS-6: a bad argument or a placeholder config exits 2 with the reason, before any AWS call', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'cli/preflight.ts', ...args], {
        encoding: 'utf8',
        env: { ...process.env, AWS_PROFILE: 'none-such', ...env },
      });
    const typo = run(['--recovery-profil', 'dr']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('error: unknown argument --recovery-profil');
    // The defaults: placeholder accounts, "deploy": false.
    const placeholders = run([], { ESTATE_CONFIG: 'estate.config.example.json' });
    expect(placeholders.status).toBe(2);
    expect(placeholders.stderr).toContain('"deploy": false');
  }, 60_000);
});
