import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, ECS_DEPLOYMENT_STRATEGIES, PROFILES, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the ecs section of the config', () => {
  it('ECS-3: defaults to blue/green with a 5-minute bake, two to six tasks, rolled back at 5 errors a minute', () => {
    expect(DEFAULT_CONFIG.ecs).toMatchObject({
      strategy: 'BLUE_GREEN',
      bakeMinutes: 5,
      minTasks: 2,
      maxTasks: 6,
      rollback: { http5xxThreshold: 5, failureRecordThreshold: 5, periodSeconds: 60 },
    });
    expect(PROFILES.lab.fargate).toEqual({ cpu: 256, memoryMiB: 512 });
  });

  it('ECS-3: takes blue/green, canary and linear', () => {
    for (const strategy of ECS_DEPLOYMENT_STRATEGIES) {
      expect(parseConfig({ ecs: { strategy } }).ecs.strategy).toBe(strategy);
    }
  });

  it.each([
    [
      'a rolling update (no test traffic, no bake)',
      { ecs: { strategy: 'ROLLING' } },
      /^ecs\.strategy: expected one of BLUE_GREEN, CANARY, LINEAR/,
    ],
    ['a step under 3 %', { ecs: { stepPercent: 1 } }, /^ecs\.stepPercent: expected at least 3/],
    [
      'more tasks at least than at most',
      { ecs: { minTasks: 7 } },
      /^ecs\.minTasks: expected at most maxTasks \(6\)/,
    ],
  ])('refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
