import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { checkIdentities } from '../../preflight/identity.ts';
import { awsError, fakeAws, PRIMARY, RECOVERY, testConfig } from './support.ts';

const config = testConfig();
const caller = (account: string) => ({ Account: account, Arn: `arn:aws:iam::${account}:user/deployer` });

describe('preflight: identities', () => {
  it('OPS-6: credentials in the accounts the config names pass', async () => {
    const aws = fakeAws();
    aws.stub('sts', 'primary').on(GetCallerIdentityCommand).resolves(caller(PRIMARY));
    aws.stub('sts', 'recovery').on(GetCallerIdentityCommand).resolves(caller(RECOVERY));
    const rows = await checkIdentities(config, aws.clients, {});
    expect(rows.map((r) => [r.scope, r.status])).toEqual([
      [`primary ${PRIMARY}`, 'ok'],
      [`recovery ${RECOVERY}`, 'ok'],
    ]);
  });

  it('OPS-6: credentials of another account are a blocker naming both accounts and the profile flag', async () => {
    const aws = fakeAws();
    aws.stub('sts', 'primary').on(GetCallerIdentityCommand).resolves(caller(PRIMARY));
    // The recovery profile was forgotten: the default chain answers with the primary account.
    aws.stub('sts', 'recovery').on(GetCallerIdentityCommand).resolves(caller(PRIMARY));
    const rows = await checkIdentities(config, aws.clients, { primary: 'prod' });
    const recovery = rows.find((r) => r.scope.startsWith('recovery'));
    expect(recovery?.status).toBe('BLOCKER');
    expect(recovery?.detail).toContain(`account ${PRIMARY}`);
    expect(recovery?.detail).toContain(`names ${RECOVERY}`);
    expect(recovery?.fix).toContain('--recovery-profile NAME');
  });

  it('OPS-6: credentials that do not work are a blocker, not a crash', async () => {
    const aws = fakeAws();
    aws.stub('sts', 'primary').on(GetCallerIdentityCommand).resolves(caller(PRIMARY));
    aws
      .stub('sts', 'recovery')
      .on(GetCallerIdentityCommand)
      .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
    const rows = await checkIdentities(config, aws.clients, {});
    expect(rows.find((r) => r.scope.startsWith('recovery'))).toMatchObject({
      status: 'BLOCKER',
      detail: expect.stringContaining('expired'),
    });
  });
});
