import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, releaseRegions } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the pipeline section of the config', () => {
  it('CICD-10: defaults to every push in turn, a 10-minute bake per wave, no approval, any hour', () => {
    expect(DEFAULT_CONFIG.pipeline).toEqual({
      bakeMinutes: 10,
      approval: false,
      executionMode: 'QUEUED',
      canary: { enabled: true, intervalMinutes: 5 },
    });
    expect(releaseRegions(DEFAULT_CONFIG)).toEqual([
      'eu-central-1',
      'eu-west-1',
      'us-west-2',
      'ap-southeast-2',
    ]);
  });

  it('CICD-10: takes waves that release every engine region outside the home region once', () => {
    const waves = [['eu-central-1'], ['eu-west-1', 'us-west-2'], ['ap-southeast-2']];
    expect(parseConfig({ pipeline: { waves } }).pipeline.waves).toEqual(waves);
  });

  it.each([
    [
      'a wave that names the home region',
      { pipeline: { waves: [['us-east-1'], ['eu-central-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2']] } },
      /^pipeline\.waves\[0\]\[0\]: us-east-1 is the home region/,
    ],
    [
      'a region released twice',
      {
        pipeline: {
          waves: [
            ['eu-central-1', 'eu-west-1'],
            ['eu-west-1', 'us-west-2', 'ap-southeast-2'],
          ],
        },
      },
      /^pipeline\.waves\[1\]\[0\]: eu-west-1 is released twice/,
    ],
    [
      'a region without an engine',
      { pipeline: { waves: [['eu-central-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2', 'us-east-2']] } },
      /^pipeline\.waves\[0\]\[4\]: us-east-2 runs no engine/,
    ],
    [
      'waves that leave an engine region out',
      { pipeline: { waves: [['eu-central-1'], ['eu-west-1']] } },
      /^pipeline\.waves: missing engine regions: us-west-2, ap-southeast-2/,
    ],
    [
      'parallel executions (a stage cannot roll back in them)',
      { pipeline: { executionMode: 'PARALLEL' } },
      /^pipeline\.executionMode: expected one of QUEUED, SUPERSEDED \(PARALLEL cannot roll a stage back\)/,
    ],
    [
      'release hours that are not a cron expression',
      { pipeline: { releaseHours: { cron: '9-17', timeZone: 'Europe/Paris' } } },
      /^pipeline\.releaseHours\.cron: expected a cron expression/,
    ],
  ])('CICD-10: refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
