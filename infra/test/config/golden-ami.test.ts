import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, goldenImageRegions, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the goldenAmi section of the config', () => {
  it('AMI-1: defaults to a weekly bake on Sunday 04:00 when the base image or a component has a new version, three images kept', () => {
    expect(DEFAULT_CONFIG.goldenAmi).toMatchObject({
      baseImage: 'amazon-linux-2023-x86',
      schedule: {
        expression: 'cron(0 4 ? * sun *)',
        startCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
      },
      keepImages: 3,
    });
  });

  it('AMI-2: the image goes to the home region and every EC2 engine region, home first, each once', () => {
    expect(goldenImageRegions(DEFAULT_CONFIG)).toEqual(['us-east-1', 'eu-central-1']);
    const asgElsewhere = parseConfig({
      engines: {
        fleet: { enabled: false, regions: ['us-east-1'] },
        asg: { enabled: true, regions: ['eu-central-1'] },
      },
    });
    expect(goldenImageRegions(asgElsewhere)).toEqual(['us-east-1', 'eu-central-1']);
  });

  it.each([
    [
      'an unknown start condition',
      { goldenAmi: { schedule: { startCondition: 'ALWAYS' } } },
      /^goldenAmi\.schedule\.startCondition: expected one of EXPRESSION_MATCH_ONLY, EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE/,
    ],
    [
      'a rate instead of a cron',
      { goldenAmi: { schedule: { expression: 'rate(7 days)' } } },
      /^goldenAmi\.schedule\.expression: expected an Image Builder cron/,
    ],
    ['no image kept', { goldenAmi: { keepImages: 0 } }, /^goldenAmi\.keepImages: expected at least 1/],
    [
      'an AMI id as the base image',
      { goldenAmi: { baseImage: 'ami-0123456789abcdef0' } },
      /^goldenAmi\.baseImage: expected an Image Builder image name/,
    ],
    [
      'a recovery region that runs an EC2 engine',
      { recoveryRegion: 'eu-central-1' },
      /^recoveryRegion: expected a region without an EC2 engine while features.goldenAmi is on/,
    ],
  ])('AMI-2: refuses %s', (_, overrides, message) => {
    expect(problems(overrides)).toEqual([expect.stringMatching(message)]);
  });

  it('AMI-2: accepts that recovery region once the golden AMI is off', () => {
    expect(problems({ recoveryRegion: 'eu-central-1', features: { goldenAmi: false } })).toEqual([]);
  });
});
