import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import {
  checkBootstrap,
  executionRoleName,
  RECOVERY_EXECUTION_POLICY,
  TOOLKIT_STACK,
  VERSION_PARAMETER,
} from '../../preflight/bootstrap.ts';
import type { DeploySite } from '../../preflight/estate.ts';
import { awsError, type FakeAws, fakeAws, PRIMARY, RECOVERY, testConfig } from './support.ts';

const site = (role: 'primary' | 'recovery', region: string): DeploySite => ({
  role,
  account: role === 'primary' ? PRIMARY : RECOVERY,
  region,
  stacks: [],
  natGateways: 1,
  elasticIps: 1,
  reservedConcurrency: 0,
  provisionedConcurrency: 0,
});
const SITES = [site('primary', 'us-east-1'), site('recovery', 'us-east-2')];
const REQUIRED = 6;
const ADMIN = { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' };
const SCOPED = { PolicyName: RECOVERY_EXECUTION_POLICY, PolicyArn: `arn:aws:iam::${RECOVERY}:policy/x` };

/** Both sites bootstrapped at version 30, the recovery one trusting the primary account with the scoped policy. */
function bootstrapped(): FakeAws {
  const aws = fakeAws();
  for (const s of SITES) {
    const trusted = s.role === 'recovery' ? PRIMARY : '';
    aws
      .stub('cloudFormation', s.role)
      .on(DescribeStacksCommand, { StackName: TOOLKIT_STACK })
      .resolves({
        Stacks: [
          {
            StackName: TOOLKIT_STACK,
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Parameters: [{ ParameterKey: 'TrustedAccounts', ParameterValue: trusted }],
          },
        ],
      });
    aws
      .stub('ssm', s.role)
      .on(GetParameterCommand, { Name: VERSION_PARAMETER })
      .resolves({ Parameter: { Value: '30' } });
  }
  aws
    .stub('iam', 'recovery')
    .on(ListAttachedRolePoliciesCommand)
    .resolves({ AttachedPolicies: [SCOPED] });
  return aws;
}

const run = (aws: FakeAws, profile: 'lab' | 'production' = 'lab') =>
  checkBootstrap(SITES, REQUIRED, testConfig({ profile }), aws.clients, { primary: 'prod', recovery: 'dr' });
const statuses = (rows: { check: string; scope: string; status: string }[]) =>
  rows.map((r) => `${r.check} ${r.scope} ${r.status}`);

describe('preflight: bootstrap', () => {
  it('OPS-6: current bootstraps, the trust of the primary account and the scoped execution policy pass', async () => {
    expect(statuses(await run(bootstrapped(), 'production'))).toEqual([
      'bootstrap primary us-east-1 ok',
      'bootstrap recovery us-east-2 ok',
      'bootstrap trust recovery us-east-2 ok',
      'execution policy recovery us-east-2 ok',
    ]);
  });

  it('OPS-6: a region without the CDKToolkit stack is a blocker whose fix is its cdk bootstrap command', async () => {
    const aws = bootstrapped();
    aws
      .stub('cloudFormation', 'recovery')
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', `Stack with id ${TOOLKIT_STACK} does not exist`));
    const row = (await run(aws)).find((r) => r.check === 'bootstrap' && r.scope === 'recovery us-east-2');
    expect(row?.status).toBe('BLOCKER');
    expect(row?.detail).toContain('not bootstrapped');
    expect(row?.fix).toBe(
      `npx cdk bootstrap aws://${RECOVERY}/us-east-2 --profile dr --trust ${PRIMARY} --cloudformation-execution-policies arn:aws:iam::${RECOVERY}:policy/${RECOVERY_EXECUTION_POLICY}`,
    );
  });

  it('OPS-6: a bootstrap stack that never completed is a blocker', async () => {
    const aws = bootstrapped();
    aws
      .stub('cloudFormation', 'primary')
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [{ StackName: TOOLKIT_STACK, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }],
      });
    const row = (await run(aws)).find((r) => r.scope === 'primary us-east-1');
    expect(row).toMatchObject({ status: 'BLOCKER', detail: expect.stringContaining('ROLLBACK_COMPLETE') });
  });

  it('OPS-6: a bootstrap older than the assembly requires is a blocker naming both versions', async () => {
    const aws = bootstrapped();
    aws
      .stub('ssm', 'primary')
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: '5' } });
    const row = (await run(aws)).find((r) => r.scope === 'primary us-east-1');
    expect(row?.status).toBe('BLOCKER');
    expect(row?.detail).toMatch(/version 5; .* at least 6/);
    expect(row?.fix).toBe(`npx cdk bootstrap aws://${PRIMARY}/us-east-1 --profile prod`);
  });

  it('OPS-6: a recovery bootstrap that does not trust the primary account is a blocker', async () => {
    const aws = bootstrapped();
    aws
      .stub('cloudFormation', 'recovery')
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          {
            StackName: TOOLKIT_STACK,
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Parameters: [{ ParameterKey: 'TrustedAccounts', ParameterValue: '' }],
          },
        ],
      });
    const row = (await run(aws)).find((r) => r.check === 'bootstrap trust');
    expect(row).toMatchObject({ status: 'BLOCKER', fix: expect.stringContaining(`--trust ${PRIMARY}`) });
  });

  it('OPS-6: AdministratorAccess on the recovery execution role blocks production and warns in a lab', async () => {
    const aws = bootstrapped();
    aws
      .stub('iam', 'recovery')
      .on(ListAttachedRolePoliciesCommand, { RoleName: executionRoleName(SITES[1] as DeploySite) })
      .resolves({ AttachedPolicies: [SCOPED, ADMIN] });
    const production = (await run(aws, 'production')).filter((r) => r.check === 'execution policy');
    expect(production).toEqual([
      expect.objectContaining({ status: 'BLOCKER', detail: expect.stringContaining('AdministratorAccess') }),
    ]);
    const lab = (await run(aws, 'lab')).filter((r) => r.check === 'execution policy');
    expect(lab.map((r) => r.status)).toEqual(['warn']);
  });

  it('OPS-6: a recovery execution role without the scoped policy is a blocker', async () => {
    const aws = bootstrapped();
    aws
      .stub('iam', 'recovery')
      .on(ListAttachedRolePoliciesCommand)
      .resolves({ AttachedPolicies: [ADMIN] });
    const rows = (await run(aws, 'lab')).filter((r) => r.check === 'execution policy');
    expect(rows.map((r) => r.status)).toEqual(['BLOCKER', 'warn']);
    expect(rows[0]?.detail).toContain(`lacks ${RECOVERY_EXECUTION_POLICY}`);
  });

  it('OPS-6: a refused IAM read is a row naming iam:ListAttachedRolePolicies, and the other rows stand', async () => {
    const aws = bootstrapped();
    aws
      .stub('iam', 'recovery')
      .on(ListAttachedRolePoliciesCommand)
      .rejects(
        awsError(
          'AccessDenied',
          `User: arn:aws:iam::${RECOVERY}:user/x is not authorized to perform: iam:ListAttachedRolePolicies on resource: role cdk`,
        ),
      );
    const rows = await run(aws);
    expect(rows.find((r) => r.check === 'execution policy')).toMatchObject({
      status: 'warn',
      detail: 'not checked: iam:ListAttachedRolePolicies was refused',
    });
    expect(rows.filter((r) => r.check === 'bootstrap').map((r) => r.status)).toEqual(['ok', 'ok']);
  });
});
