import { describe, expect, it } from 'vitest';
import { BEANSTALK_DEPLOYMENT_POLICIES, DEFAULT_CONFIG, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the beanstalk section of the config', () => {
  it('EB-1: defaults to two to four instances on the Node.js 24 platform, rolled out immutably', () => {
    expect(DEFAULT_CONFIG.beanstalk).toMatchObject({
      solutionStack: '64bit Amazon Linux 2023 v6.10.0 running Node.js 24',
      deploymentPolicy: 'Immutable',
      minInstances: 2,
      maxInstances: 4,
    });
  });

  it('EB-3: takes every deployment policy Beanstalk has', () => {
    for (const policy of BEANSTALK_DEPLOYMENT_POLICIES) {
      expect(parseConfig({ beanstalk: { deploymentPolicy: policy } }).beanstalk.deploymentPolicy).toBe(
        policy,
      );
    }
  });

  it.each([
    [
      'a policy Beanstalk does not have',
      { beanstalk: { deploymentPolicy: 'BlueGreen' } },
      /^beanstalk\.deploymentPolicy: expected one of AllAtOnce, Rolling, /,
    ],
    [
      'a platform that is not a Node.js solution stack',
      { beanstalk: { solutionStack: '64bit Amazon Linux 2023 v4.3.0 running Python 3.12' } },
      /^beanstalk\.solutionStack: expected a Node\.js platform/,
    ],
    [
      'more instances at least than at most',
      { beanstalk: { minInstances: 5, maxInstances: 4 } },
      /^beanstalk\.minInstances: expected at most maxInstances \(4\)/,
    ],
    [
      'an evaluation shorter than Beanstalk allows',
      { beanstalk: { trafficSplitting: { evaluationMinutes: 1 } } },
      /^beanstalk\.trafficSplitting\.evaluationMinutes: expected at least 3/,
    ],
  ])('refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
