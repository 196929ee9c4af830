import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PROFILES, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the database section of the config', () => {
  it('defaults to a primary in the home region, a secondary in eu-central-1 and a week of backups', () => {
    expect(DEFAULT_CONFIG.database).toEqual({
      enabled: true,
      secondaryRegions: ['eu-central-1'],
      backupRetentionDays: 7,
    });
  });

  it('leaves capacity and deletion protection to the profile unless the config sets them', () => {
    expect(PROFILES.lab.database).toEqual({
      minCapacityAcu: 0.5,
      maxCapacityAcu: 2,
      deletionProtection: false,
    });
    expect(PROFILES.production.database).toEqual({
      minCapacityAcu: 2,
      maxCapacityAcu: 8,
      deletionProtection: true,
    });
    const config = parseConfig({
      database: { deletionProtection: true, capacity: { minAcu: 1, maxAcu: 4.5 } },
    });
    expect(config.database).toMatchObject({ deletionProtection: true, capacity: { minAcu: 1, maxAcu: 4.5 } });
  });

  it.each([
    [
      'a minimum capacity above the maximum',
      { database: { capacity: { minAcu: 8, maxAcu: 4 } } },
      /^database\.capacity\.minAcu: expected at most maxAcu \(4\)/,
    ],
    [
      'a capacity that is not a multiple of 0.5 ACU',
      { database: { capacity: { minAcu: 0.5, maxAcu: 2.2 } } },
      /^database\.capacity\.maxAcu: expected a multiple of 0\.5 ACU/,
    ],
    [
      'a minimum of 0 (auto-pause, which a global database cannot do)',
      { database: { capacity: { minAcu: 0, maxAcu: 2 } } },
      /^database\.capacity\.minAcu: expected at least 0\.5 ACU/,
    ],
    [
      'a maximum above 256 ACU',
      { database: { capacity: { minAcu: 1, maxAcu: 512 } } },
      /^database\.capacity\.maxAcu: expected at most 256 ACU/,
    ],
    [
      'a backup retention beyond 35 days',
      { database: { backupRetentionDays: 36 } },
      /^database\.backupRetentionDays: expected at most 35/,
    ],
    [
      'no backups at all',
      { database: { backupRetentionDays: 0 } },
      /^database\.backupRetentionDays: expected at least 1/,
    ],
    [
      'a deletion protection that is not a boolean',
      { database: { deletionProtection: 'yes' } },
      /^database\.deletionProtection: /,
    ],
    [
      'a secondary region listed twice',
      { database: { secondaryRegions: ['eu-central-1', 'eu-central-1'] } },
      /^database\.secondaryRegions\[1\]: eu-central-1 is listed twice/,
    ],
  ])('refuses %s', (_what, overrides, message) => {
    expect(problems(overrides)).toEqual([expect.stringMatching(message)]);
  });
});
