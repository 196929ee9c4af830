import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../infra/config/index.ts';
import { beanstalkRegion, parseArguments, USAGE, UsageError } from '../../beanstalk-swap.ts';

const problems = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
};

describe('npm run beanstalk:swap usage', () => {
  it('EB-3: bad usage names every problem at once, and nothing is destroyed without --yes', () => {
    expect(
      problems(() => parseArguments(['--keep-minutes', '-1', '--ready-timeout', 'x', '--yes=1', '--nope'])),
    ).toEqual([
      '--yes takes no value',
      'unknown option --nope',
      '--version is required',
      '--keep-minutes expects whole minutes between 0 and 2880, got -1',
      '--ready-timeout expects whole minutes between 1 and 180, got x',
    ]);
    expect(parseArguments(['--version', 'v42'])).toMatchObject({
      dryRun: true,
      keepMinutes: 15,
      readyTimeoutMinutes: 30,
    });
    expect(parseArguments(['--version', 'v42', '--yes', '--keep-minutes', '0'])).toMatchObject({
      dryRun: false,
      keepMinutes: 0,
    });
    expect(USAGE).toMatch(/^Usage: npm run beanstalk:swap -- --version <label>/);
  });

  it("EB-3: the region is one of the config's Beanstalk regions", () => {
    expect(beanstalkRegion(DEFAULT_CONFIG)).toBe('eu-west-1');
    expect(problems(() => beanstalkRegion(DEFAULT_CONFIG, 'us-east-1'))).toEqual([
      '--region us-east-1: expected one of the Beanstalk regions of the config (eu-west-1)',
    ]);
    const off = parseConfig({ engines: { beanstalk: { enabled: false, regions: ['eu-west-1'] } } }, 'test');
    expect(problems(() => beanstalkRegion(off))).toEqual([
      'the config has engines.beanstalk disabled: there is no environment to swap',
    ]);
  });

  it('EB-3: the command exits 2 on bad usage, printing the problems and the usage', () => {
    const run = spawnSync('npx', ['tsx', 'cli/beanstalk-swap.ts', '--region', 'mars-1', '--version', 'v1'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '--region mars-1: expected one of the Beanstalk regions of the config (eu-west-1)',
    );
    expect(run.stderr).toContain('Usage: npm run beanstalk:swap');
  }, 120_000);
});
