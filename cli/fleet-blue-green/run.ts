import {
  type CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  CreateTagsCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { fleetBlueGreenNames } from '../../infra/lib/constructs/delivery/fleet-blue-green-step.ts';
import { describeError, isAccessDenied, progress } from './progress.ts';

/** The fleet's names (infra/lib/constructs/delivery/fleet-blue-green-step.ts). */
export type FleetNames = ReturnType<typeof fleetBlueGreenNames>;

/** The AWS clients (in the fleet's region) and the clock the release runs with. */
export interface FleetDeps {
  readonly ec2: EC2Client;
  readonly codeDeploy: CodeDeployClient;
  readonly s3: S3Client;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

/** What to release and how long to wait for it. */
export interface FleetReleaseOptions {
  readonly names: FleetNames;
  /** The account (the revisions bucket is named after it). */
  readonly account: string;
  /** The release id (the commit): names the revision object, the green tag and the launch token. */
  readonly release: string;
  /** The revision as a zip (appspec.yml at its root). */
  readonly revision: Uint8Array;
  /** How many green instances (the fleet's size). */
  readonly instances: number;
  /** Read and print the plan; launch, upload and deploy nothing. */
  readonly dryRun: boolean;
  /** How long green instances have to pass their status checks. */
  readonly healthyTimeoutMs: number;
  /** How long the deployment has to finish (traffic moved and the blue fleet's wait included). */
  readonly deploymentTimeoutMs: number;
  /** Between two reads of a status. */
  readonly pollMs: number;
}

/** What a release did. */
export interface FleetReleaseResult {
  readonly dryRun: boolean;
  readonly greenInstances: readonly string[];
  readonly deploymentId?: string;
}

/** A release that failed, with what was undone; the message is what the operator reads. */
export class FleetReleaseError extends Error {
  override name = 'FleetReleaseError';
}

// EC2 refuses a launch for lack of room with these codes: the remedy is another type, AZ or quota.
const CAPACITY_ERRORS = new Set([
  'InsufficientInstanceCapacity',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'InsufficientCapacity',
]);

/**
 * Releases a revision to the standalone fleet blue/green (CICD-5) with no operator: launches green
 * instances from the fleet's launch template into the blue fleet's subnets, tagged
 * `<tag>: <fleet>-green-<release>` so the blue/green group's own tag (the blue fleet) does not select
 * them; waits for their status checks; creates the deployment of the blue/green group naming them as
 * the replacement environment; waits for it to end. On success the green instances take the fleet's
 * tag (they are the blue fleet of the next release, and the in-place group's). On any failure after the
 * launch the green instances are terminated, the error says why, and the blue fleet keeps the traffic
 * (CodeDeploy's automatic rollback returns it when it had moved).
 */
export async function releaseFleet(
  deps: FleetDeps,
  options: FleetReleaseOptions,
): Promise<FleetReleaseResult> {
  const { names } = options;
  const say = progress(deps.log, deps.now);
  const template = await launchTemplate(deps, names);
  const subnets = await blueSubnets(deps, names);
  const bucket = names.artifactBucket(options.account);
  const key = `${names.revisionPrefix}${options.release}.zip`;
  const greenValue = `${names.greenPrefix}${options.release}`;
  const placement = spread(options.instances, subnets);
  say(
    `launch template ${template.id} v${template.version}; blue fleet in ${subnets.length} subnet(s): ${subnets.join(', ')}`,
  );
  if (options.dryRun) {
    say(`dry run: would upload the revision to s3://${bucket}/${key}`);
    say(
      `dry run: would launch ${options.instances} green instance(s) tagged ${names.tagKey}=${greenValue} (${placement.map(([s, n]) => `${n} in ${s}`).join(', ')})`,
    );
    say(
      `dry run: would deploy through ${names.application}/${names.deploymentGroup}, then tag them ${names.tagKey}=${names.tagValue}`,
    );
    return { dryRun: true, greenInstances: [] };
  }

  try {
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: options.revision }));
  } catch (error) {
    throw new FleetReleaseError(
      `uploading the revision to s3://${bucket}/${key} failed (${describeError(error)})${isAccessDenied(error) ? ': the caller may not write there' : ''}; nothing was launched`,
    );
  }
  say(`revision uploaded: s3://${bucket}/${key} (${options.revision.byteLength} bytes)`);

  const green: string[] = [];
  try {
    for (const [index, [subnet, count]] of placement.entries()) {
      const launched = await deps.ec2.send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: template.id, Version: template.version },
          SubnetId: subnet,
          MinCount: count,
          MaxCount: count,
          // A retried step launches nothing twice.
          ClientToken: `${options.release}-${index}`.slice(-64),
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: [
                { Key: names.tagKey, Value: greenValue },
                { Key: names.releaseTag, Value: options.release },
                { Key: 'Name', Value: `${names.tagValue}-green` },
              ],
            },
          ],
        }),
      );
      green.push(...(launched.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])));
    }
  } catch (error) {
    const code = error instanceof Error ? error.name : '';
    const reason = CAPACITY_ERRORS.has(code)
      ? `EC2 has no room for the green fleet (${describeError(error)}): try another instance type, or raise the quota`
      : `launching the green fleet failed (${describeError(error)})`;
    throw new FleetReleaseError(`${reason}; ${await terminate(deps, say, green, names.region)}`);
  }
  say(`launched ${green.length} green instance(s): ${green.join(', ')}`);

  try {
    await waitHealthy(deps, say, green, options);
    const created = await deps.codeDeploy.send(
      new CreateDeploymentCommand({
        applicationName: names.application,
        deploymentGroupName: names.deploymentGroup,
        revision: {
          revisionType: 'S3',
          s3Location: { bucket, key, bundleType: 'zip' },
        },
        targetInstances: { tagFilters: [{ Key: names.tagKey, Value: greenValue, Type: 'KEY_AND_VALUE' }] },
        description: `release ${options.release}, blue/green to ${green.length} green instance(s)`,
      }),
    );
    const deploymentId = created.deploymentId;
    if (deploymentId === undefined) throw new FleetReleaseError('CodeDeploy returned no deployment id');
    say(`deployment ${deploymentId} created`);
    await waitDeployment(deps, say, deploymentId, options);
    await deps.ec2.send(
      new CreateTagsCommand({
        Resources: green,
        Tags: [
          { Key: names.tagKey, Value: names.tagValue },
          { Key: 'Name', Value: `${names.tagValue}-standalone` },
        ],
      }),
    );
    say(`released: ${green.length} instance(s) serve release ${options.release} and form the fleet now`);
    return { dryRun: false, greenInstances: green, deploymentId };
  } catch (error) {
    const reason = error instanceof FleetReleaseError ? error.message : describeError(error);
    throw new FleetReleaseError(`${reason}; ${await terminate(deps, say, green, names.region)}`);
  }
}

async function launchTemplate(deps: FleetDeps, names: FleetNames) {
  const found = await deps.ec2.send(
    new DescribeLaunchTemplatesCommand({
      Filters: [{ Name: 'tag:Name', Values: [names.launchTemplateName] }],
    }),
  );
  const template = found.LaunchTemplates?.[0];
  if (template?.LaunchTemplateId === undefined || template.LatestVersionNumber === undefined) {
    throw new FleetReleaseError(
      `no launch template tagged Name=${names.launchTemplateName} in ${names.region}: deploy ${names.fleetStack} first`,
    );
  }
  return { id: template.LaunchTemplateId, version: String(template.LatestVersionNumber) };
}

/** The subnets of the running blue fleet, in a stable order: green goes where blue is. */
async function blueSubnets(deps: FleetDeps, names: FleetNames): Promise<string[]> {
  const found = await deps.ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${names.tagKey}`, Values: [names.tagValue] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    }),
  );
  const subnets = (found.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .flatMap((i) => (i.SubnetId ? [i.SubnetId] : []));
  if (subnets.length === 0) {
    throw new FleetReleaseError(
      `no running instance tagged ${names.tagKey}=${names.tagValue} in ${names.region}: there is no blue fleet to replace (deploy ${names.fleetStack})`,
    );
  }
  return [...new Set(subnets)].sort();
}

/** `count` instances round-robin over the subnets, as `[subnet, n]` pairs. */
export function spread(count: number, subnets: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const subnet = subnets[i % subnets.length] as string;
    counts.set(subnet, (counts.get(subnet) ?? 0) + 1);
  }
  return [...counts];
}

async function waitHealthy(
  deps: FleetDeps,
  say: (m: string) => void,
  green: readonly string[],
  options: FleetReleaseOptions,
): Promise<void> {
  const deadline = deps.now().getTime() + options.healthyTimeoutMs;
  let last = '';
  for (;;) {
    const read = await deps.ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [...green], IncludeAllInstances: true }),
    );
    const statuses = new Map(
      (read.InstanceStatuses ?? []).map((s) => [
        s.InstanceId ?? '',
        {
          state: s.InstanceState?.Name ?? 'pending',
          instance: s.InstanceStatus?.Status ?? 'initializing',
          system: s.SystemStatus?.Status ?? 'initializing',
        },
      ]),
    );
    const describe = (id: string) => {
      const s = statuses.get(id);
      return s ? `${id} ${s.state}, instance ${s.instance}, system ${s.system}` : `${id} not reported`;
    };
    const gone = green.filter((id) =>
      ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(statuses.get(id)?.state ?? ''),
    );
    if (gone.length > 0) {
      throw new FleetReleaseError(
        `green instance(s) stopped before serving: ${gone.map(describe).join('; ')}`,
      );
    }
    const ok = green.filter((id) => {
      const s = statuses.get(id);
      return s?.state === 'running' && s.instance === 'ok' && s.system === 'ok';
    });
    const line = `${ok.length}/${green.length} green instance(s) pass their status checks`;
    if (line !== last) say(line);
    last = line;
    if (ok.length === green.length) return;
    if (deps.now().getTime() >= deadline) {
      throw new FleetReleaseError(
        `green instances did not pass their status checks within ${Math.round(options.healthyTimeoutMs / 60_000)} min: ${green
          .filter((id) => !ok.includes(id))
          .map(describe)
          .join('; ')}`,
      );
    }
    await deps.sleep(options.pollMs);
  }
}

async function waitDeployment(
  deps: FleetDeps,
  say: (m: string) => void,
  deploymentId: string,
  options: FleetReleaseOptions,
): Promise<void> {
  const deadline = deps.now().getTime() + options.deploymentTimeoutMs;
  let last = '';
  for (;;) {
    const { deploymentInfo: info } = await deps.codeDeploy.send(new GetDeploymentCommand({ deploymentId }));
    const status = info?.status ?? 'Unknown';
    const o = info?.deploymentOverview;
    const line = `deployment ${deploymentId}: ${status}${o ? ` (succeeded ${o.Succeeded ?? 0}, in progress ${o.InProgress ?? 0}, pending ${o.Pending ?? 0}, failed ${o.Failed ?? 0})` : ''}`;
    if (line !== last) say(line);
    last = line;
    if (status === 'Succeeded') return;
    if (status === 'Failed' || status === 'Stopped') {
      const why = info?.errorInformation;
      const rollback = info?.rollbackInfo?.rollbackMessage;
      throw new FleetReleaseError(
        `deployment ${deploymentId} ${status.toLowerCase()}${why ? `: ${why.code ?? ''} ${why.message ?? ''}`.trimEnd() : ''}${rollback ? ` (${rollback})` : ''}; traffic stays on the blue fleet`,
      );
    }
    if (deps.now().getTime() >= deadline) {
      await deps.codeDeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      throw new FleetReleaseError(
        `deployment ${deploymentId} did not finish within ${Math.round(options.deploymentTimeoutMs / 60_000)} min: stopped with rollback; traffic returns to the blue fleet`,
      );
    }
    await deps.sleep(options.pollMs);
  }
}

/** Terminates what was launched; says what the operator must still do when it cannot. */
async function terminate(
  deps: FleetDeps,
  say: (m: string) => void,
  green: readonly string[],
  region: string,
): Promise<string> {
  if (green.length === 0) return 'no green instance was left running';
  try {
    await deps.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...green] }));
    say(`terminated the green instance(s): ${green.join(', ')}`);
    return `the green instance(s) ${green.join(', ')} were terminated; the blue fleet is untouched`;
  } catch (error) {
    return `terminating the green instance(s) failed too (${describeError(error)}): run aws ec2 terminate-instances --region ${region} --instance-ids ${green.join(' ')}`;
  }
}
