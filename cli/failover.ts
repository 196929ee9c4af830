// npm run failover -- --to <region> [--planned] [--yes] (--help for the rest): the global database's
// primary moved to another region (DR-2), by switchover (planned) or failover (unplanned, the data-loss
// window reported), then every region's engines checked to follow the new writer. Without --yes it only
// reads and prints the exact call.
import { type AwsRegion, databaseNames, databaseRegions, type EstateConfig } from '../infra/config/index.ts';
import { GLOBAL_DATABASE_LAG_SECONDS } from './dr-posture.ts';
import {
  awsFailoverClients,
  type FailoverClients,
  FailoverError,
  failover,
  formatOutcome,
} from './failover/failover.ts';
import { commandConfig } from './lib/command-config.ts';
import { defineCommand, isMain, positiveNumber, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';

/** The command line. */
export interface FailoverArguments {
  readonly to: string;
  readonly planned: boolean;
  readonly allowDataLoss: boolean;
  readonly maxLagMs: number;
  readonly yes: boolean;
  readonly timeoutMs: number;
  readonly estateProfile?: string;
  readonly awsProfile?: string;
}

export const FAILOVER = defineCommand({
  name: 'failover',
  summary:
    "Moves the global database's primary to another region (DR-2): --planned is a switchover (both regions up, no data loss); without it a failover, refused when the target's replication lag is above the designed RPO unless --allow-data-loss. Then waits until every region's endpoint parameter names its cluster's endpoint for its new role. Without --yes it reads, and prints the exact call.",
  options: {
    to: { type: 'string', value: '<region>', description: 'the region whose cluster becomes the primary' },
    planned: {
      type: 'boolean',
      description: 'switchover: the primary region still answers, nothing is lost',
    },
    'allow-data-loss': {
      type: 'boolean',
      description:
        "fail over even when the lag is above --max-lag or unknown (the old primary's last writes are lost)",
    },
    'max-lag': {
      type: 'string',
      value: '<ms>',
      description: 'the data loss a failover accepts without --allow-data-loss (the designed RPO)',
      default: String(GLOBAL_DATABASE_LAG_SECONDS * 1000),
    },
    yes: { type: 'boolean', description: 'execute (without it: a dry run that only reads)' },
    'dry-run': { type: 'boolean', description: 'read, and print the call it would make (the default)' },
    timeout: {
      type: 'string',
      value: '<s>',
      description: 'how long the switch and the endpoints may take',
      default: '1800',
    },
    profile: SHARED_OPTIONS.profile,
    'primary-profile': SHARED_OPTIONS['primary-profile'],
  },
  examples: [
    '--to eu-central-1 --planned',
    '--to eu-central-1 --yes',
    '--to eu-central-1 --allow-data-loss --yes --json',
  ],
  json: true,
  settings({ values }, problems): FailoverArguments {
    if (values.to === undefined) problems.push('--to <region> is required');
    if (values.yes && values['dry-run']) problems.push('--yes and --dry-run contradict each other');
    if (values.planned && values['allow-data-loss'])
      problems.push('--planned and --allow-data-loss contradict each other (a switchover loses nothing)');
    return {
      to: values.to ?? '',
      planned: values.planned,
      allowDataLoss: values['allow-data-loss'],
      maxLagMs: positiveNumber(problems, 'max-lag', values['max-lag'], 3_600_000),
      yes: values.yes,
      timeoutMs: positiveNumber(problems, 'timeout', values.timeout, 86_400) * 1000,
      estateProfile: values.profile,
      awsProfile: values['primary-profile'],
    };
  },
});

/** Runs the command against `clients`; the tests hand in mocked ones and a fast clock. */
export async function runFailover(
  args: FailoverArguments,
  config: EstateConfig,
  clients: FailoverClients,
  context: RunContext,
  clock: { sleep: (ms: number) => Promise<void>; now: () => Date } = {
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  },
): Promise<number> {
  const regions = databaseRegions(config);
  if (!regions.includes(args.to as AwsRegion)) {
    context.io.stderr.write(
      `error: --to ${args.to} is not a region of the global database; the config's: ${regions.join(', ') || 'none (database disabled)'}\n`,
    );
    return 2;
  }
  const names = databaseNames(config);
  try {
    const outcome = await failover(
      { clients, progress: context.progress, ...clock },
      {
        globalClusterIdentifier: names.globalClusterIdentifier,
        to: args.to,
        planned: args.planned,
        allowDataLoss: args.allowDataLoss,
        maxLagMs: args.maxLagMs,
        dryRun: !args.yes,
        parameterName: (region) => names.endpointParameter(region as AwsRegion),
        timeoutMs: args.timeoutMs,
        pollMs: 10_000,
      },
    );
    context.result(outcome, formatOutcome(outcome));
    return 0;
  } catch (error) {
    if (!(error instanceof FailoverError)) throw error;
    context.progress.done('failed');
    context.io.stderr.write(`${error.message}\n`);
    return 1;
  }
}

async function main(args: FailoverArguments, context: RunContext): Promise<number> {
  const config = commandConfig(args.estateProfile, (m) => context.io.stderr.write(`${m}\n`), 'fail over');
  if (config === undefined) return 2;
  const { fromIni } = await import('@aws-sdk/credential-providers');
  const credentials =
    args.awsProfile === undefined ? {} : { credentials: fromIni({ profile: args.awsProfile }) };
  return runFailover(args, config, awsFailoverClients(credentials), context);
}

if (isMain(import.meta.url)) process.exitCode = await FAILOVER.run(process.argv.slice(2), main);
