import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the canary subsection of the pipeline config', () => {
  it('CICD-11: defaults to canaries on, a run every 5 minutes: two runs in each 10-minute bake', () => {
    expect(DEFAULT_CONFIG.pipeline.canary).toEqual({ enabled: true, intervalMinutes: 5 });
    expect(DEFAULT_CONFIG.pipeline.canary.intervalMinutes).toBeLessThan(DEFAULT_CONFIG.pipeline.bakeMinutes);
  });

  it('CICD-11: takes an interval shorter than the bake, any interval without a bake, and canaries off', () => {
    expect(
      parseConfig({ pipeline: { bakeMinutes: 30, canary: { intervalMinutes: 15 } } }).pipeline.canary,
    ).toEqual({ enabled: true, intervalMinutes: 15 });
    expect(problems({ pipeline: { bakeMinutes: 0, canary: { intervalMinutes: 60 } } })).toEqual([]);
    expect(
      problems({ pipeline: { bakeMinutes: 5, canary: { enabled: false, intervalMinutes: 60 } } }),
    ).toEqual([]);
  });

  it.each([
    [
      'an interval as long as the bake (a wave could pass its bake unwatched)',
      { pipeline: { bakeMinutes: 10, canary: { intervalMinutes: 10 } } },
      'pipeline.canary.intervalMinutes: 10 minutes is not shorter than the 10-minute bake: a wave could pass its bake before a canary runs',
    ],
    [
      'an interval Synthetics cannot schedule',
      { pipeline: { canary: { intervalMinutes: 0 } } },
      'pipeline.canary.intervalMinutes: expected at least 1',
    ],
  ])('CICD-11: refuses %s with one problem naming the key', (_case, overrides, expected) => {
    expect(problems(overrides)).toEqual([expected]);
  });
});
