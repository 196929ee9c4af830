// npm run fleet:blue-green -- --revision <zip|dir> [--release ID] [--yes]: the standalone fleet released
// blue/green with no operator (CICD-5). The pipeline's one-box step runs the same command.

import { pathToFileURL } from 'node:url';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { type EstateConfig, loadConfig } from '../infra/config/index.ts';
import { fleetBlueGreenNames } from '../infra/lib/constructs/delivery/fleet-blue-green-step.ts';
import { minutes, type OptionSpec, parseCommandLine, usage } from './fleet-blue-green/command-line.ts';
import { describeError } from './fleet-blue-green/progress.ts';
import { readRevision } from './fleet-blue-green/revision.ts';
import { FleetReleaseError, type FleetReleaseOptions, releaseFleet } from './fleet-blue-green/run.ts';

const OPTIONS: Record<string, OptionSpec> = {
  revision: {
    type: 'string',
    valueName: 'zip|dir',
    help: 'the CodeDeploy revision: a .zip (npm run bundle:codedeploy) or a directory with appspec.yml',
  },
  release: {
    type: 'string',
    valueName: 'id',
    help: 'release id (the commit): names the revision object and the green tag; default: a timestamp',
  },
  instances: {
    type: 'string',
    valueName: 'n',
    help: 'green instances to launch; default: ec2.fleetInstances',
  },
  'healthy-timeout': {
    type: 'string',
    valueName: 'min',
    help: 'minutes green instances have to pass their status checks; default 15',
  },
  timeout: {
    type: 'string',
    valueName: 'min',
    help: "minutes the deployment has to end; default 60 + the group's ready and termination waits",
  },
  profile: { type: 'string', valueName: 'lab|production', help: 'the estate profile of the config' },
  'aws-profile': { type: 'string', valueName: 'name', help: 'AWS CLI profile; default: the SDK chain' },
  'dry-run': { type: 'boolean', help: 'read and print the plan only (the default without --yes)' },
  yes: { type: 'boolean', help: 'launch, deploy, and terminate green instances on failure' },
  help: { type: 'boolean', help: 'this text' },
};

export const USAGE = usage(
  'npm run fleet:blue-green -- --revision <zip|dir> [--release <id>] [--yes] [options]',
  'Releases the standalone fleet blue/green without an operator: launches green instances from the\n' +
    "fleet's launch template, waits for their status checks, deploys the revision through the fleet's\n" +
    'blue/green group naming them, waits for it; on failure terminates them. Exit 0 released, 1 failed,\n' +
    '2 bad usage.',
  OPTIONS,
);

/** The parsed command line, or every problem with it. */
export type FleetArguments =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly revision: string;
      readonly release: string;
      readonly instances?: number;
      readonly healthyTimeoutMinutes: number;
      readonly timeoutMinutes?: number;
      readonly estateProfile?: string;
      readonly awsProfile?: string;
      readonly dryRun: boolean;
    };

export function parseArguments(argv: readonly string[], now = new Date()): FleetArguments {
  const { values, problems: found } = parseCommandLine(argv, OPTIONS);
  if (values.help === true) return { help: true };
  const problems = [...found];
  const revision = values.revision as string | undefined;
  if (revision === undefined) problems.push('--revision is required');
  const release =
    (values.release as string | undefined) ?? `manual-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(release)) {
    problems.push(`--release ${release}: expected 1-64 letters, digits, dots, dashes or underscores`);
  }
  let instances: number | undefined;
  if (typeof values.instances === 'string') {
    instances = Number(values.instances);
    if (!Number.isInteger(instances) || instances < 1 || instances > 20) {
      problems.push(`--instances expects a whole number between 1 and 20, got ${values.instances}`);
    }
  }
  const healthyTimeoutMinutes = minutes(values, 'healthy-timeout', 15, problems, 120);
  const timeoutMinutes =
    typeof values.timeout === 'string' ? minutes(values, 'timeout', 0, problems) : undefined;
  if (values.yes === true && values['dry-run'] === true)
    problems.push('--yes and --dry-run contradict each other');
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    revision: revision as string,
    release,
    instances,
    healthyTimeoutMinutes,
    timeoutMinutes,
    estateProfile: values.profile as string | undefined,
    awsProfile: values['aws-profile'] as string | undefined,
    dryRun: values.yes !== true,
  };
}

/** Bad usage, naming every problem. */
export class UsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let args: FleetArguments;
  let config: EstateConfig;
  try {
    args = parseArguments(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    config = loadConfig({ profile: args.estateProfile });
  } catch (error) {
    console.error(`${describeError(error)}\n\n${USAGE}`);
    return 2;
  }
  if (!config.engines.fleet.enabled) {
    console.error('The config has engines.fleet disabled: there is no fleet to release.');
    return 2;
  }
  const names = fleetBlueGreenNames(config);
  const settings = {
    region: names.region,
    ...(args.awsProfile ? { credentials: fromIni({ profile: args.awsProfile }) } : {}),
  };
  const { blueGreen } = config.ec2.deployment;
  try {
    const revision = await readRevision(args.revision);
    const { Account } = await new STSClient(settings).send(new GetCallerIdentityCommand({}));
    const options: FleetReleaseOptions = {
      names,
      account: Account ?? '',
      release: args.release,
      revision,
      instances: args.instances ?? config.ec2.fleetInstances,
      dryRun: args.dryRun,
      healthyTimeoutMs: args.healthyTimeoutMinutes * 60_000,
      deploymentTimeoutMs:
        (args.timeoutMinutes ?? 60 + blueGreen.readyWaitMinutes + blueGreen.terminationWaitMinutes) * 60_000,
      pollMs: 15_000,
    };
    if (args.dryRun) console.log('Dry run: reading only (--yes releases).');
    await releaseFleet(
      {
        ec2: new EC2Client(settings),
        codeDeploy: new CodeDeployClient(settings),
        s3: new S3Client(settings),
        log: (line) => console.log(line),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => new Date(),
      },
      options,
    );
    return 0;
  } catch (error) {
    console.error(
      error instanceof FleetReleaseError ? `Release failed: ${error.message}` : describeError(error),
    );
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
