import { describe, expect, it } from 'vitest';
import { BEANSTALK_DEPLOYMENT_POLICIES, DEFAULT_CONFIG, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the beanstalk section of the config', () => {
  it('EB-1: defaults to two to four instances on the Node.js 24 platform, rolled out immutably', () => {
    expect(DEFAULT_CONFIG.beanstalk).toMatchObject({
      platformBranch: 'Node.js 24 running on 64bit Amazon Linux 2023',
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
      'a platform branch that is not Node.js',
      { beanstalk: { platformBranch: 'Python 3.12 running on 64bit Amazon Linux 2023' } },
      /^beanstalk\.platformBranch: expected a Node\.js platform branch/,
    ],
    [
      'a pinned platform version, which AWS stops offering to new accounts',
      { beanstalk: { platformBranch: '64bit Amazon Linux 2023 v6.10.0 running Node.js 24' } },
      /^beanstalk\.platformBranch: expected a Node\.js platform branch/,
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

  describe('docker (ECS-4)', () => {
    const docker = { enabled: true, region: 'eu-west-1', instanceType: 't4g.small' };

    it('ECS-4: is off by default and accepted on in the region of an engine or the home region', () => {
      expect(DEFAULT_CONFIG.beanstalk.docker).toBeUndefined();
      for (const region of ['eu-west-1', 'us-west-2', 'us-east-1']) {
        expect(problems({ beanstalk: { docker: { ...docker, region } } })).toEqual([]);
      }
    });

    it.each([
      [
        'a region the estate does not run in',
        { beanstalk: { docker: { ...docker, region: 'sa-east-1' } } },
        /^beanstalk\.docker\.region: expected the home region or an engine region \(us-east-1, eu-central-1, eu-west-1, us-west-2, ap-southeast-2\)/,
      ],
      [
        'an x86 instance type for the arm64 image',
        { beanstalk: { docker: { ...docker, instanceType: 't3.small' } } },
        /^beanstalk\.docker\.instanceType: expected a Graviton instance type such as t4g\.small/,
      ],
      [
        'the option without the pipeline that releases to it',
        { beanstalk: { docker }, features: { pipeline: false } },
        /^beanstalk\.docker\.enabled: expected features\.pipeline on/,
      ],
    ])('ECS-4: refuses %s with one problem naming the key', (_case, overrides, expected) => {
      const found = problems(overrides);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    });
  });
});
