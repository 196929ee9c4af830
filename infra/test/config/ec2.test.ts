import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the ec2 section of the config', () => {
  it('defaults to the issue: 5 standalone instances, ASG 2-20 with 5 normal and 20 from 18:00 to 23:00', () => {
    expect(DEFAULT_CONFIG.ec2.fleetInstances).toBe(5);
    expect(DEFAULT_CONFIG.ec2.asg).toMatchObject({
      minCapacity: 2,
      maxCapacity: 20,
      normalCapacity: 5,
      peakCapacity: 20,
      peakStart: '18:00',
      peakEnd: '23:00',
    });
    expect(DEFAULT_CONFIG.ec2.amiParameter).toBe(
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    );
  });

  it('CICD-4: takes any of the four deployment configurations', () => {
    for (const config of ['AllAtOnce', 'HalfAtATime', 'OneAtATime', 'Custom']) {
      expect(parseConfig({ ec2: { deployment: { config } } }).ec2.deployment.config).toBe(config);
    }
  });

  it.each([
    [
      'an unknown deployment configuration',
      { ec2: { deployment: { config: 'TwoAtATime' } } },
      /^ec2\.deployment\.config: expected one of AllAtOnce, HalfAtATime, OneAtATime, Custom/,
    ],
    [
      'a minimum above the maximum',
      { ec2: { asg: { minCapacity: 30, maxCapacity: 20, normalCapacity: 20, peakCapacity: 20 } } },
      /^ec2\.asg\.minCapacity: expected at most maxCapacity \(20\)/,
    ],
    [
      'a peak above the maximum',
      { ec2: { asg: { peakCapacity: 25 } } },
      /^ec2\.asg\.peakCapacity: expected between minCapacity and maxCapacity \(2-20\)/,
    ],
    [
      'a peak time that is not a time',
      { ec2: { asg: { peakStart: '6pm' } } },
      /^ec2\.asg\.peakStart: expected a 24-hour time/,
    ],
    [
      'a peak that ends when it starts',
      { ec2: { asg: { peakEnd: '18:00' } } },
      /^ec2\.asg\.peakEnd: expected a time other than/,
    ],
    [
      'a custom minimum of 100%',
      { ec2: { deployment: { customMinimumHealthyPercent: 100 } } },
      /^ec2\.deployment\.customMinimumHealthyPercent: expected at most 99/,
    ],
    ['a fleet of none', { ec2: { fleetInstances: 0 } }, /^ec2\.fleetInstances: expected at least 1/],
    [
      'an alarm period CloudWatch does not offer',
      { ec2: { rollback: { periodSeconds: 90 } } },
      /^ec2\.rollback\.periodSeconds: expected 60 or 300/,
    ],
    [
      'an AMI parameter that is not a path',
      { ec2: { amiParameter: 'ami-123' } },
      /^ec2\.amiParameter: expected an SSM parameter name/,
    ],
  ])('refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
