import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../infra/config/index.ts';
import { refreshArguments, refreshInstances } from '../refresh-instances.ts';

const autoScaling = mockClient(AutoScalingClient);
beforeEach(() => autoScaling.reset());
const client = () => new AutoScalingClient({ region: 'us-east-1' });

describe('refresh-instances', () => {
  it('AMI-2: starts a rolling refresh of each asg region’s group that replaces every instance, keeping the configured share healthy', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input) => ({
      AutoScalingGroups: [
        { AutoScalingGroupName: `${input.Filters[0].Values[0]}-FleetGroup`, Instances: [] },
      ],
    }));
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    const args = refreshArguments(['--yes'], DEFAULT_CONFIG);
    const outcomes = await refreshInstances(DEFAULT_CONFIG, { ...args, client });
    expect(outcomes.map((o) => [o.region, o.group, o.refreshId])).toEqual([
      ['us-east-1', 'Hello-Asg-us-east-1-FleetGroup', 'r-1'],
      ['eu-central-1', 'Hello-Asg-eu-central-1-FleetGroup', 'r-1'],
    ]);
    const starts = autoScaling.commandCalls(StartInstanceRefreshCommand).map((c) => c.args[0].input);
    expect(starts[0]).toEqual({
      AutoScalingGroupName: 'Hello-Asg-us-east-1-FleetGroup',
      Strategy: 'Rolling',
      Preferences: {
        MinHealthyPercentage: DEFAULT_CONFIG.goldenAmi.refreshMinHealthyPercent,
        InstanceWarmup: DEFAULT_CONFIG.ec2.asg.healthCheckGraceSeconds,
        SkipMatching: false,
      },
    });
  });

  it('AMI-2: without --yes it starts nothing and says what it would replace', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'g', Instances: [{}, {}] } as never],
    });
    const args = refreshArguments(['--region', 'eu-central-1', '--min-healthy', '50'], DEFAULT_CONFIG);
    const outcomes = await refreshInstances(DEFAULT_CONFIG, { ...args, client });
    expect(outcomes).toEqual([
      { region: 'eu-central-1', group: 'g', message: 'would replace 2 instances, keeping 50% healthy' },
    ]);
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it('AMI-2: a region without exactly one group of the stack is reported, not guessed', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const outcomes = await refreshInstances(DEFAULT_CONFIG, {
      ...refreshArguments(['--yes', '--region', 'us-east-1'], DEFAULT_CONFIG),
      client,
    });
    expect(outcomes[0]?.message).toBe('expected one Auto Scaling group of Hello-Asg-us-east-1, found 0');
    expect(autoScaling.commandCalls(StartInstanceRefreshCommand)).toHaveLength(0);
  });

  it.each([
    [['--region', 'us-west-2'], /--region us-west-2: no asg engine there/],
    [['--min-healthy', '101'], /--min-healthy: expected a whole percentage/],
    [['--yse'], /Unknown option '--yse'/],
  ])('AMI-2: refuses %j', (argv, message) => {
    expect(() => refreshArguments(argv, DEFAULT_CONFIG)).toThrow(message);
  });
});
