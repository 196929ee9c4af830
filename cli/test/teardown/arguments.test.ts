import { describe, expect, it } from 'vitest';
import { parseArguments } from '../../teardown.ts';

describe('npm run teardown arguments', () => {
  it('GOV-6: without --yes nothing is executed; named profiles reach each account', () => {
    expect(parseArguments([])).toEqual({
      yes: false,
      deleteSnapshots: false,
      deleteProtectingKeys: false,
      estateProfile: undefined,
      profiles: {},
    });
    expect(
      parseArguments(['--yes', '--primary-profile', 'prod', '--recovery-profile=dr', '--delete-snapshots']),
    ).toEqual({
      yes: true,
      deleteSnapshots: true,
      deleteProtectingKeys: false,
      estateProfile: undefined,
      profiles: { primary: 'prod', recovery: 'dr' },
    });
    expect(parseArguments(['--dry-run', '--profile', 'production']).estateProfile).toBe('production');
  });

  it('GOV-6: deleting keys that still protect kept data takes its own flag', () => {
    expect(parseArguments(['--yes', '--delete-snapshots']).deleteProtectingKeys).toBe(false);
    expect(parseArguments(['--yes', '--delete-protecting-keys']).deleteProtectingKeys).toBe(true);
  });

  it('GOV-6: a mistyped flag or a contradiction is refused rather than taken for a default', () => {
    expect(() => parseArguments(['--yse'])).toThrow(/unknown argument --yse/);
    expect(() => parseArguments(['--yes', '--dry-run'])).toThrow(/contradict/);
    expect(() => parseArguments(['--primary-profile'])).toThrow(/needs a value/);
  });
});
