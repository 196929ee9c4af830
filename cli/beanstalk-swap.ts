// npm run beanstalk:swap -- --version <label> [--region R] [--yes]: Beanstalk blue/green by CNAME swap in
// one command (EB-3), ending with the stack's environment serving the version on its own CNAME.

import { pathToFileURL } from 'node:url';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { fromIni } from '@aws-sdk/credential-providers';
import { type EstateConfig, loadConfig } from '../infra/config/index.ts';
import { beanstalkNames } from '../infra/lib/constructs/engines/beanstalk/beanstalk-environment.ts';
import { SwapError, swapEnvironment } from './beanstalk-swap/run.ts';
import { minutes, type OptionSpec, parseCommandLine, usage } from './fleet-blue-green/command-line.ts';
import { describeError } from './fleet-blue-green/progress.ts';

const OPTIONS: Record<string, OptionSpec> = {
  version: { type: 'string', valueName: 'label', help: 'the application version to release (it must exist)' },
  region: {
    type: 'string',
    valueName: 'region',
    help: "the Beanstalk region of the config; default: engines.beanstalk's first",
  },
  'expect-version': {
    type: 'string',
    valueName: 'v',
    help: "the version the service's /info must report; default: not checked",
  },
  'keep-minutes': {
    type: 'string',
    valueName: 'min',
    help: 'minutes the old version stays ready to swap back before it is replaced; default 15',
  },
  'ready-timeout': {
    type: 'string',
    valueName: 'min',
    help: 'minutes an environment has to become Ready and Green; default 30',
  },
  profile: { type: 'string', valueName: 'lab|production', help: 'the estate profile of the config' },
  'aws-profile': { type: 'string', valueName: 'name', help: 'AWS CLI profile; default: the SDK chain' },
  'dry-run': { type: 'boolean', help: 'read and print the plan only (the default without --yes)' },
  yes: { type: 'boolean', help: 'clone, swap and remove for real' },
  help: { type: 'boolean', help: 'this text' },
};

export const USAGE = usage(
  'npm run beanstalk:swap -- --version <label> [--region <region>] [--yes] [options]',
  "Blue/green by CNAME swap: clones the stack's environment running the new version, checks it (Green,\n" +
    "/health, /info), swaps CNAMEs, keeps the old version ready to swap back, then updates the stack's\n" +
    'environment to the version, swaps back and removes the clone, so CloudFormation and the live\n' +
    'environment agree. Exit 0 released, 1 failed, 2 bad usage.',
  OPTIONS,
);

/** The parsed command line. */
export type SwapArguments =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly version: string;
      readonly region?: string;
      readonly expectVersion?: string;
      readonly keepMinutes: number;
      readonly readyTimeoutMinutes: number;
      readonly estateProfile?: string;
      readonly awsProfile?: string;
      readonly dryRun: boolean;
    };

/** Bad usage, naming every problem. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export function parseArguments(argv: readonly string[]): SwapArguments {
  const { values, problems: found } = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return { help: true };
  const problems = [...found];
  const version = values.version as string | undefined;
  if (version === undefined) problems.push('--version is required');
  const keepRaw = values['keep-minutes'];
  let keepMinutes = 15;
  if (typeof keepRaw === 'string') {
    keepMinutes = Number(keepRaw);
    if (!Number.isInteger(keepMinutes) || keepMinutes < 0 || keepMinutes > 2880) {
      problems.push(`--keep-minutes expects whole minutes between 0 and 2880, got ${keepRaw}`);
    }
  }
  const readyTimeoutMinutes = minutes(values, 'ready-timeout', 30, problems, 180);
  if (values.yes === true && values['dry-run'] === true) {
    problems.push('--yes and --dry-run contradict each other');
  }
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    version: version as string,
    region: values.region as string | undefined,
    expectVersion: values['expect-version'] as string | undefined,
    keepMinutes,
    readyTimeoutMinutes,
    estateProfile: values.profile as string | undefined,
    awsProfile: values['aws-profile'] as string | undefined,
    dryRun: values.yes !== true,
  };
}

/** The region to act in: one of the config's Beanstalk regions. */
export function beanstalkRegion(config: EstateConfig, asked?: string): string {
  const { enabled, regions } = config.engines.beanstalk;
  if (!enabled)
    throw new UsageError(['the config has engines.beanstalk disabled: there is no environment to swap']);
  const region = asked ?? regions[0];
  if (region === undefined || !(regions as readonly string[]).includes(region)) {
    throw new UsageError([
      `--region ${asked}: expected one of the Beanstalk regions of the config (${regions.join(', ')})`,
    ]);
  }
  return region;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: SwapArguments;
  let config: EstateConfig;
  let region: string;
  try {
    args = parseArguments(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    config = loadConfig({ profile: args.estateProfile });
    region = beanstalkRegion(config, args.region);
  } catch (error) {
    console.error(`${describeError(error)}\n\n${USAGE}`);
    return 2;
  }
  const names = beanstalkNames(config);
  if (args.dryRun) console.log('Dry run: reading only (--yes swaps).');
  try {
    await swapEnvironment(
      {
        beanstalk: new ElasticBeanstalkClient({
          region,
          ...(args.awsProfile ? { credentials: fromIni({ profile: args.awsProfile }) } : {}),
        }),
        fetch: (url) => fetch(url, { signal: AbortSignal.timeout(10_000) }),
        log: (line) => console.log(line),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => new Date(),
      },
      {
        application: names.application,
        environment: names.environment,
        versionLabel: args.version,
        expectVersion: args.expectVersion,
        dryRun: args.dryRun,
        keepMs: args.keepMinutes * 60_000,
        readyTimeoutMs: args.readyTimeoutMinutes * 60_000,
        pollMs: 15_000,
      },
    );
    return 0;
  } catch (error) {
    console.error(error instanceof SwapError ? `Swap failed: ${error.message}` : describeError(error));
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
