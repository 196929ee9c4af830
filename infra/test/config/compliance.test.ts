import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the compliance section of the config', () => {
  it('GOV-5: by default the estate creates the recorders and Config tries a fix 5 times within 10 minutes', () => {
    expect(DEFAULT_CONFIG.compliance).toEqual({
      recorder: 'create',
      remediation: { maximumAttempts: 5, retrySeconds: 600 },
      organizationTrail: false,
    });
    expect(parseConfig({ compliance: { recorder: 'existing' } }).compliance.recorder).toBe('existing');
  });

  it.each([
    [
      'a recorder mode Config does not have',
      { compliance: { recorder: 'shared' } },
      /^compliance\.recorder: expected one of create, existing/,
    ],
    [
      'more attempts than Config accepts',
      { compliance: { remediation: { maximumAttempts: 26 } } },
      /^compliance\.remediation\.maximumAttempts: expected at most 25/,
    ],
    [
      'a zero retry window',
      { compliance: { remediation: { retrySeconds: 0 } } },
      /^compliance\.remediation\.retrySeconds: expected at least 1/,
    ],
  ])('GOV-5: refuses %s, naming the key', (_what, overrides, message) => {
    expect(problems(overrides)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['homeRegion', 'ap-southeast-4'],
    ['recoveryRegion', 'il-central-1'],
  ] as const)(
    'GOV-3: refuses a %s (%s) where AWS Config cannot record IAM policies, naming the key',
    (key, region) => {
      expect(problems({ [key]: region })).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${key}: AWS Config cannot record IAM policies in ${region} \\(a region it opened after February 2022\\)`,
          ),
        ),
      );
      expect(
        problems({ [key]: region, features: { compliance: false } }).some((p) => p.includes('AWS Config')),
      ).toBe(false);
    },
  );

  it('GOV-3: accepts the default home and recovery regions, where Config records IAM policies', () => {
    expect(problems({}).filter((p) => p.includes('AWS Config'))).toEqual([]);
  });
});
