// npm run refresh-instances [-- --yes] [--region REGION]... [--min-healthy PERCENT] [--profile NAME]:
// after a new golden AMI (AMI-2), replaces the instances of each region's Auto Scaling group so they
// launch from it, a share at a time. Without --yes it only names the groups and the refresh it would start.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { type AwsRegion, type EstateConfig, loadConfig, stackName } from '../infra/config/index.ts';

/** What one region's refresh did, or would do. */
export interface RefreshOutcome {
  readonly region: AwsRegion;
  readonly group?: string;
  readonly refreshId?: string;
  readonly message: string;
}

/**
 * Starts a rolling instance refresh of the `asg` engine's group in each region. The launch template
 * does not change with a new image (it names the SSM parameter, resolved at launch), so every instance
 * counts as outdated: SkipMatching stays off. Instances warm up for the group's health check grace,
 * and at least `minHealthyPercent` of the group keeps serving. A CodeDeploy in-place deployment
 * suspends instance refresh while it runs (`ec2.deployment.suspendScaling`); the refresh waits.
 */
export async function refreshInstances(
  config: EstateConfig,
  options: {
    readonly regions: readonly AwsRegion[];
    readonly minHealthyPercent: number;
    readonly execute: boolean;
    readonly client: (region: AwsRegion) => AutoScalingClient;
  },
): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = [];
  for (const region of options.regions) {
    const client = options.client(region);
    const stack = stackName(config, 'Asg', { role: 'primary', region });
    const { AutoScalingGroups: groups = [] } = await client.send(
      new DescribeAutoScalingGroupsCommand({
        Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: [stack] }],
      }),
    );
    const [group, ...others] = groups;
    if (group?.AutoScalingGroupName === undefined || others.length > 0) {
      outcomes.push({
        region,
        message: `expected one Auto Scaling group of ${stack}, found ${groups.length}`,
      });
      continue;
    }
    const name = group.AutoScalingGroupName;
    if (!options.execute) {
      outcomes.push({
        region,
        group: name,
        message: `would replace ${group.Instances?.length ?? 0} instances, keeping ${options.minHealthyPercent}% healthy`,
      });
      continue;
    }
    const { InstanceRefreshId } = await client.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: name,
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: options.minHealthyPercent,
          InstanceWarmup: config.ec2.asg.healthCheckGraceSeconds,
          SkipMatching: false,
        },
      }),
    );
    outcomes.push({ region, group: name, refreshId: InstanceRefreshId, message: 'refresh started' });
  }
  return outcomes;
}

/** The command line, strictly parsed: a typo must not turn into a default. */
export function refreshArguments(argv: readonly string[], config: EstateConfig) {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      yes: { type: 'boolean', default: false },
      region: { type: 'string', multiple: true },
      'min-healthy': { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const asgRegions = config.engines.asg.enabled ? config.engines.asg.regions : [];
  const regions = (values.region ?? asgRegions) as AwsRegion[];
  const unknown = regions.filter((r) => !asgRegions.includes(r));
  if (unknown.length > 0)
    throw new Error(
      `--region ${unknown.join(', ')}: no asg engine there (${asgRegions.join(', ') || 'none'})`,
    );
  const minHealthy = Number(values['min-healthy'] ?? config.goldenAmi.refreshMinHealthyPercent);
  if (!Number.isInteger(minHealthy) || minHealthy < 0 || minHealthy > 100) {
    throw new Error('--min-healthy: expected a whole percentage from 0 to 100');
  }
  return { regions, minHealthyPercent: minHealthy, execute: values.yes === true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const profile = parseArgs({ args: argv, strict: false, options: { profile: { type: 'string' } } }).values
    .profile;
  const config = loadConfig({ profile: typeof profile === 'string' ? profile : undefined });
  try {
    const args = refreshArguments(argv, config);
    const outcomes = await refreshInstances(config, {
      ...args,
      client: (region) => new AutoScalingClient({ region }),
    });
    for (const o of outcomes)
      console.log(`${o.region}\t${o.group ?? '-'}\t${o.refreshId ?? ''}\t${o.message}`);
    if (!args.execute) console.log('dry run: add --yes to start the refreshes');
    process.exitCode = outcomes.some((o) => o.group === undefined) ? 1 : 0;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
