import { describe, expect, it } from 'vitest';
import {
  backupCopyRegion,
  backupRetention,
  backupVaultArn,
  DEFAULT_CONFIG,
  parseConfig,
} from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the backup section of the config', () => {
  it('DATA-4: copies to the database secondary region unless the config names another', () => {
    expect(backupCopyRegion(DEFAULT_CONFIG)).toBe('eu-central-1');
    expect(backupCopyRegion(parseConfig({ backup: { copyRegion: 'us-west-2' } }))).toBe('us-west-2');
  });

  it('DATA-4: keeps hourly points 1 day (lab) or 7 (production), daily ones 7 or 35, unless set', () => {
    expect(backupRetention(parseConfig({ profile: 'lab' }))).toEqual({ hourly: 1, daily: 7 });
    expect(backupRetention(parseConfig({ profile: 'production' }))).toEqual({ hourly: 7, daily: 35 });
    expect(
      backupRetention(parseConfig({ backup: { hourlyRetentionDays: 2, dailyRetentionDays: 30 } })),
    ).toEqual({ hourly: 2, daily: 30 });
  });

  it('DATA-4: without a database secondary region, copies only to the recovery account', () => {
    expect(backupCopyRegion(parseConfig({ database: { secondaryRegions: [] } }))).toBeUndefined();
  });

  it('DATA-4: names vaults deterministically, so another region or account can build the ARN', () => {
    expect(
      backupVaultArn(DEFAULT_CONFIG, { role: 'recovery', region: 'us-east-2', account: '222222222222' }),
    ).toBe('arn:aws:backup:us-east-2:222222222222:backup-vault:hello-recovery-us-east-2-vault');
  });

  it.each([
    [
      'a copy region equal to the home region',
      { backup: { copyRegion: 'us-east-1' } },
      /^backup\.copyRegion: expected a region other than homeRegion/,
    ],
    [
      'a copy region without an estate key of the primary account',
      { backup: { copyRegion: 'sa-east-1' } },
      /^backup\.copyRegion: expected a region of the primary account's topology, not sa-east-1/,
    ],
    [
      'a vault lock whose minimum exceeds its maximum',
      { backup: { vaultLock: { minRetentionDays: 10, maxRetentionDays: 5 } } },
      /^backup\.vaultLock\.minRetentionDays: expected less than maxRetentionDays \(5\)/,
    ],
    [
      'a daily retention longer than the vault lock allows',
      { backup: { dailyRetentionDays: 90 } },
      /^backup\.dailyRetentionDays: 90 days is outside the vault lock \(1-35 days\)/,
    ],
    [
      'an organization id of the wrong shape',
      { backup: { organizationId: 'my-org' } },
      /^backup\.organizationId: expected an AWS Organizations id/,
    ],
  ])('DATA-4: refuses %s', (_what, overrides, message) => {
    expect(problems(overrides)).toEqual([expect.stringMatching(message)]);
  });

  it('DATA-4: checks nothing of the backup section when features.backup is off', () => {
    expect(problems({ features: { backup: false }, backup: { dailyRetentionDays: 90 } })).toEqual([]);
  });
});
