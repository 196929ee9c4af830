// Region loss of the database by command (DR-2): a managed switchover (planned, no data loss) or failover
// (unplanned: the target's replication lag is the data lost) of the global database, then the proof that
// every region's engines follow the new writer through their endpoint parameter, with no redeploy.
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  type GlobalCluster,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Progress } from '../lib/progress.ts';
import { regionalClients } from '../lib/regional-clients.ts';

/** The clients of one region; the tests hand in mocked ones. */
export interface FailoverClients {
  rds(region: string): RDSClient;
  ssm(region: string): SSMClient;
  cloudWatch(region: string): CloudWatchClient;
}

/** What the command was asked to do. */
export interface FailoverOptions {
  /** The global database. */
  readonly globalClusterIdentifier: string;
  /** The region whose cluster becomes the primary. */
  readonly to: string;
  /** Switchover (both regions up, no data loss) instead of failover. */
  readonly planned: boolean;
  /** Fail over even when the lag is above `maxLagMs` or unknown. */
  readonly allowDataLoss: boolean;
  /** The designed RPO: an unplanned failover with more lag than this needs `allowDataLoss`. */
  readonly maxLagMs: number;
  /** Only read, and print the call that would change something. */
  readonly dryRun: boolean;
  /** The endpoint parameter of a region. */
  readonly parameterName: (region: string) => string;
  /** How long the switch and the endpoints may take. */
  readonly timeoutMs: number;
  /** Between two polls. */
  readonly pollMs: number;
}

/** What the command did and found. */
export interface FailoverOutcome {
  readonly action: 'switchover' | 'failover' | 'none';
  readonly dryRun: boolean;
  /** The exact call that changes the roles (made, or that would be made). */
  readonly call?: {
    readonly region: string;
    readonly command: string;
    readonly input: Record<string, unknown>;
  };
  /** The target's replication lag before the switch, and when it was measured; undefined: no datapoint. */
  readonly lag?: { readonly ms: number; readonly at: string };
  /** Each member region's endpoint parameter afterwards. */
  readonly endpoints: readonly {
    readonly region: string;
    readonly role: 'primary' | 'secondary';
    readonly expected?: string;
    readonly actual?: string;
    readonly follows: boolean;
    readonly error?: string;
  }[];
  readonly steps: readonly { readonly label: string; readonly seconds: number }[];
}

/** A failure the user can act on; the message says what and what to do. */
export class FailoverError extends Error {
  override name = 'FailoverError';
}

const DENIED = /AccessDenied|UnauthorizedOperation|not authorized/i;

/** An AWS error as a sentence naming the call, the region and (for a refusal) the permission. */
function explain(error: unknown, action: string, region: string): FailoverError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (DENIED.test(name) || DENIED.test(message))
    return new FailoverError(
      `access denied: ${action} in ${region} was refused (${message}). The credentials need ${action} on the global database and its clusters.`,
    );
  return new FailoverError(`${action} in ${region} failed: ${name === '' ? '' : `${name}: `}${message}`);
}

async function call<T>(action: string, region: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw error instanceof FailoverError ? error : explain(error, action, region);
  }
}

const regionOf = (arn: string | undefined) => arn?.split(':')[3] ?? '';
const nameOf = (arn: string | undefined) => arn?.split(':').at(-1) ?? '';

async function describeGlobal(clients: FailoverClients, options: FailoverOptions): Promise<GlobalCluster> {
  const region = options.to;
  return call('rds:DescribeGlobalClusters', region, async () => {
    try {
      const { GlobalClusters } = await clients
        .rds(region)
        .send(
          new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: options.globalClusterIdentifier }),
        );
      const found = GlobalClusters?.[0];
      if (found !== undefined) return found;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'GlobalClusterNotFoundFault')) throw error;
    }
    throw new FailoverError(
      `no global database ${options.globalClusterIdentifier} seen from ${region}: is the estate deployed with its database, and is ${region} one of its regions?`,
    );
  });
}

/** The target's RPO lag: the largest of the last five minutes (AuroraGlobalDBRPOLag, ms). */
async function replicationLag(
  clients: FailoverClients,
  region: string,
  clusterIdentifier: string,
  now: Date,
): Promise<FailoverOutcome['lag']> {
  const { Datapoints } = await call('cloudwatch:GetMetricStatistics', region, () =>
    clients.cloudWatch(region).send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: 'AuroraGlobalDBRPOLag',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: clusterIdentifier }],
        StartTime: new Date(now.getTime() - 5 * 60_000),
        EndTime: now,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    ),
  );
  const points = (Datapoints ?? []).filter((p) => p.Maximum !== undefined && p.Timestamp !== undefined);
  if (points.length === 0) return undefined;
  const worst = points.reduce((a, b) => ((b.Maximum ?? 0) > (a.Maximum ?? 0) ? b : a));
  const latest = points.reduce((a, b) =>
    (b.Timestamp?.getTime() ?? 0) > (a.Timestamp?.getTime() ?? 0) ? b : a,
  );
  return { ms: worst.Maximum ?? 0, at: latest.Timestamp?.toISOString() ?? '' };
}

/** Every member region's endpoint parameter against its cluster's endpoint for its role. */
async function readEndpoints(clients: FailoverClients, global: GlobalCluster, options: FailoverOptions) {
  return Promise.all(
    (global.GlobalClusterMembers ?? []).map(async (member) => {
      const region = regionOf(member.DBClusterArn);
      const role = member.IsWriter === true ? ('primary' as const) : ('secondary' as const);
      try {
        const { DBClusters } = await clients
          .rds(region)
          .send(new DescribeDBClustersCommand({ DBClusterIdentifier: member.DBClusterArn }));
        const cluster = DBClusters?.[0];
        const expected = role === 'primary' ? cluster?.Endpoint : cluster?.ReaderEndpoint;
        const { Parameter } = await clients
          .ssm(region)
          .send(new GetParameterCommand({ Name: options.parameterName(region) }));
        const actual = Parameter?.Value;
        return { region, role, expected, actual, follows: expected !== undefined && actual === expected };
      } catch (error) {
        return {
          region,
          role,
          follows: false,
          error: explain(error, 'reading the endpoint', region).message,
        };
      }
    }),
  );
}

/** Dependencies of {@link failover}: clients, progress, the clock. */
export interface FailoverDeps {
  readonly clients: FailoverClients;
  readonly progress: Progress;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

/**
 * Reads the global database, checks the target, measures its lag, switches (or, in a dry run, says the
 * exact call), waits for the target to be the writer, then for every region's endpoint parameter to name
 * its cluster's endpoint for its new role. A region that does not answer afterwards (the lost one, in a
 * failover) is reported, not waited for: the endpoint function writes it when the region is back.
 */
export async function failover(deps: FailoverDeps, options: FailoverOptions): Promise<FailoverOutcome> {
  const { clients, progress } = deps;
  const steps = () => progress.steps.map((s) => ({ label: s.label, seconds: (s.durationMs ?? 0) / 1000 }));
  progress.step(`reading global database ${options.globalClusterIdentifier} from ${options.to}`);
  const global = await describeGlobal(clients, options);
  const members = global.GlobalClusterMembers ?? [];
  const describe = members
    .map((m) => `${regionOf(m.DBClusterArn)}${m.IsWriter ? ' (primary)' : ''}`)
    .join(', ');
  const target = members.find((m) => regionOf(m.DBClusterArn) === options.to);
  if (target?.DBClusterArn === undefined)
    throw new FailoverError(
      `${options.to} holds no cluster of ${options.globalClusterIdentifier}; its members: ${describe}`,
    );
  if (global.FailoverState?.Status !== undefined)
    throw new FailoverError(
      `a ${global.FailoverState.IsDataLossAllowed ? 'failover' : 'switchover'} of ${options.globalClusterIdentifier} is already ${global.FailoverState.Status} (from ${regionOf(global.FailoverState.FromDbClusterArn)} to ${regionOf(global.FailoverState.ToDbClusterArn)}): wait for it to end`,
    );
  if (target.IsWriter === true) {
    progress.done(`${options.to} is already the primary`);
    return {
      action: 'none',
      dryRun: options.dryRun,
      endpoints: await readEndpoints(clients, global, options),
      steps: steps(),
    };
  }

  progress.step(`reading the replication lag of ${nameOf(target.DBClusterArn)}`);
  const lag = await replicationLag(clients, options.to, nameOf(target.DBClusterArn), deps.now());
  const lagText =
    lag === undefined
      ? 'unknown (no AuroraGlobalDBRPOLag datapoint in the last 5 minutes)'
      : `${lag.ms} ms (worst of the last 5 minutes, latest datapoint ${lag.at})`;
  progress.note(`replication lag of ${options.to}: ${lagText}; designed RPO ${options.maxLagMs} ms`);
  if (!options.planned && !options.allowDataLoss && (lag === undefined || lag.ms > options.maxLagMs))
    throw new FailoverError(
      `refusing to fail over: the lag of ${options.to} is ${lagText}, above the designed RPO of ${options.maxLagMs} ms, so writes of up to that window would be lost. Add --allow-data-loss to accept it, or --planned for a switchover if the primary region still answers.`,
    );

  const action = options.planned ? 'switchover' : 'failover';
  const input = {
    GlobalClusterIdentifier: options.globalClusterIdentifier,
    TargetDbClusterIdentifier: target.DBClusterArn,
    ...(options.planned ? {} : { AllowDataLoss: true }),
  };
  const command = options.planned ? 'SwitchoverGlobalCluster' : 'FailoverGlobalCluster';
  const made = { region: options.to, command, input };
  if (options.dryRun) {
    progress.done();
    progress.note(`dry run: would call rds:${command} in ${options.to} ${JSON.stringify(input)}`);
    return {
      action,
      dryRun: true,
      call: made,
      lag,
      endpoints: await readEndpoints(clients, global, options),
      steps: steps(),
    };
  }

  progress.step(`${action} to ${options.to} (rds:${command})`);
  await call(`rds:${command}`, options.to, () =>
    clients
      .rds(options.to)
      .send(
        options.planned ? new SwitchoverGlobalClusterCommand(input) : new FailoverGlobalClusterCommand(input),
      ),
  );
  progress.step(`waiting for ${options.to} to be the writer`);
  const deadline = deps.now().getTime() + options.timeoutMs;
  let current = global;
  for (;;) {
    current = await describeGlobal(clients, options);
    const writer = current.GlobalClusterMembers?.find((m) => m.IsWriter === true);
    if (regionOf(writer?.DBClusterArn) === options.to && current.FailoverState?.Status === undefined) break;
    if (deps.now().getTime() > deadline)
      throw new FailoverError(
        `${options.to} is not the writer after ${options.timeoutMs / 1000} s (global database ${current.Status}, ${current.FailoverState?.Status ?? 'no'} failover state): look at the RDS events of ${options.globalClusterIdentifier}`,
      );
    await deps.sleep(options.pollMs);
  }

  progress.step("waiting for every region's endpoint parameter to follow");
  let endpoints = await readEndpoints(clients, current, options);
  while (!endpoints.every((e) => e.follows || e.error !== undefined)) {
    if (deps.now().getTime() > deadline) {
      const stale = endpoints.filter((e) => !e.follows && e.error === undefined);
      throw new FailoverError(
        `the roles changed, but the engines of ${stale.map((e) => `${e.region} (${e.actual ?? 'no value'}, expected ${e.expected})`).join(', ')} still read the old endpoint: the endpoint function did not run; invoke it or look at its logs`,
      );
    }
    await deps.sleep(options.pollMs);
    endpoints = await readEndpoints(clients, current, options);
  }
  progress.done();
  for (const e of endpoints.filter((x) => x.error !== undefined))
    progress.note(`${e.region}: not verified (${e.error}); its endpoint is written when it answers again`);
  return { action, dryRun: false, call: made, lag, endpoints, steps: steps() };
}

/** The outcome for a reader: the switch, the lag, each region's endpoint, each step with its time. */
export function formatOutcome(outcome: FailoverOutcome): string {
  const lines: string[] = [];
  if (outcome.call !== undefined)
    lines.push(
      `${outcome.dryRun ? 'would call' : 'called'} rds:${outcome.call.command} in ${outcome.call.region}: ${JSON.stringify(outcome.call.input)}`,
    );
  if (outcome.action === 'failover')
    lines.push(
      `data-loss window: ${outcome.lag === undefined ? 'unknown (no lag datapoint)' : `up to ${outcome.lag.ms} ms of writes`}`,
    );
  if (outcome.action === 'switchover')
    lines.push('data-loss window: none (a switchover waits for the secondary to catch up)');
  for (const e of outcome.endpoints)
    lines.push(
      `${e.region.padEnd(15)} ${e.role.padEnd(9)} ${e.follows ? 'follows' : e.error !== undefined ? 'not verified' : 'STALE'}  ${e.actual ?? e.error ?? ''}`,
    );
  lines.push('', 'steps:');
  for (const s of outcome.steps) lines.push(`  ${s.seconds.toFixed(1).padStart(7)} s  ${s.label}`);
  if (outcome.action === 'failover' && !outcome.dryRun)
    lines.push(
      '',
      'The old primary rejoins as a secondary once its region answers again (Aurora rebuilds it); switch back with npm run failover -- --to <home> --planned then.',
    );
  return lines.join('\n');
}

/** Real clients, one per service and region. */
export function awsFailoverClients(credentials: object): FailoverClients {
  const client = regionalClients(credentials);
  return {
    rds: (region) => client(RDSClient, 'rds', region),
    ssm: (region) => client(SSMClient, 'ssm', region),
    cloudWatch: (region) => client(CloudWatchClient, 'cw', region),
  };
}
