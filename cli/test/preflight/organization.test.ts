import { DescribeGlobalSettingsCommand } from '@aws-sdk/client-backup';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { checkOrganization } from '../../preflight/organization.ts';
import { awsError, type FakeAws, fakeAws, PRIMARY, RECOVERY, testConfig } from './support.ts';

const ORG = 'o-a1b2c3d4e5';
const organization = (id: string, management = PRIMARY) => ({
  Organization: { Id: id, MasterAccountId: management },
});

/** Both accounts in ORG, managed by the primary account, cross-account backup `enabled`. */
function organized(enabled = 'true'): FakeAws {
  const aws = fakeAws();
  aws.stub('organizations', 'primary').on(DescribeOrganizationCommand).resolves(organization(ORG));
  aws.stub('organizations', 'recovery').on(DescribeOrganizationCommand).resolves(organization(ORG));
  aws
    .stub('backup', 'primary')
    .on(DescribeGlobalSettingsCommand)
    .resolves({ GlobalSettings: { isCrossAccountBackupEnabled: enabled } });
  return aws;
}

const config = testConfig();
const statuses = (rows: { status: string; detail: string }[]) => rows.map((r) => `${r.status}: ${r.detail}`);

describe('preflight: cross-account backup', () => {
  it('OPS-6: both accounts in one organization with cross-account backup enabled pass', async () => {
    expect(statuses(await checkOrganization(config, organized().clients))).toEqual([
      `ok: both in organization ${ORG}`,
      'ok: cross-account backup is enabled',
    ]);
  });

  it('OPS-6: an account outside any organization is a blocker', async () => {
    const aws = organized();
    aws
      .stub('organizations', 'recovery')
      .on(DescribeOrganizationCommand)
      .rejects(
        awsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.'),
      );
    const rows = await checkOrganization(config, aws.clients);
    expect(rows).toEqual([
      expect.objectContaining({ status: 'BLOCKER', detail: 'the recovery account is in no organization' }),
    ]);
  });

  it('OPS-6: accounts in two organizations are a blocker', async () => {
    const aws = organized();
    aws
      .stub('organizations', 'recovery')
      .on(DescribeOrganizationCommand)
      .resolves(organization('o-zzzzzzzzzz', RECOVERY));
    const [row] = await checkOrganization(config, aws.clients);
    expect(row).toMatchObject({ status: 'BLOCKER', detail: expect.stringContaining('o-zzzzzzzzzz') });
  });

  it('OPS-6: cross-account backup switched off is a blocker whose fix switches it on', async () => {
    const rows = await checkOrganization(config, organized('false').clients);
    expect(rows[1]).toMatchObject({
      status: 'BLOCKER',
      fix: expect.stringContaining(
        'update-global-settings --global-settings isCrossAccountBackupEnabled=true',
      ),
    });
  });

  it('OPS-6: a backup.organizationId other than the accounts’ organization is a blocker', async () => {
    const rows = await checkOrganization(
      testConfig({ backup: { organizationId: 'o-0000000000' } }),
      organized().clients,
    );
    expect(rows.map((r) => r.status)).toEqual(['ok', 'BLOCKER', 'ok']);
  });

  it('OPS-6: a refused read of the switch is a warning with the fix, not a blocker', async () => {
    const aws = organized();
    aws
      .stub('backup', 'primary')
      .on(DescribeGlobalSettingsCommand)
      .rejects(awsError('AccessDeniedException'));
    const rows = await checkOrganization(config, aws.clients);
    expect(rows[1]).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('backup:DescribeGlobalSettings was refused'),
      fix: expect.stringContaining('isCrossAccountBackupEnabled=true'),
    });
  });

  it('OPS-6: any other failure to read the switch leaves the organization row standing', async () => {
    const aws = organized();
    aws
      .stub('backup', 'primary')
      .on(DescribeGlobalSettingsCommand)
      .rejects(awsError('InvalidRequestException', 'not the management account'));
    const rows = await checkOrganization(config, aws.clients);
    expect(statuses(rows)).toEqual([
      `ok: both in organization ${ORG}`,
      'warn: not checked: InvalidRequestException: not the management account',
    ]);
  });

  it('OPS-6: a management account outside the estate leaves the switch unchecked, a warning', async () => {
    const aws = fakeAws();
    for (const role of ['primary', 'recovery'] as const) {
      aws
        .stub('organizations', role)
        .on(DescribeOrganizationCommand)
        .resolves(organization(ORG, '999999999999'));
    }
    const rows = await checkOrganization(config, aws.clients);
    expect(rows[1]).toMatchObject({ status: 'warn', detail: expect.stringContaining('999999999999') });
  });

  it('OPS-6: without features.backup nothing needs the organization', async () => {
    const off = testConfig({ features: { backup: false } });
    expect(await checkOrganization(off, fakeAws().clients)).toEqual([]);
  });
});
