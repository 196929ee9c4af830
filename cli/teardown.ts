// npm run teardown [-- --yes] [--primary-profile NAME] [--recovery-profile NAME] [--delete-snapshots]
// [--delete-protecting-keys] [--profile PROFILE]: the estate of the user's config destroyed in reverse deploy order across both
// accounts, then what its stacks keep (GOV-6, OPS-5). Without --yes it only prints the plan and, for a real
// estate, what it would do there.

import { pathToFileURL } from 'node:url';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { type EstateConfig, loadConfig } from '../infra/config/index.ts';
import { synthesizeStacks } from './estate-templates.ts';
import { profileArgument } from './synth.ts';
import {
  executePlan,
  formatSummary,
  type RegionClients,
  type TeardownDeps,
  TeardownError,
} from './teardown/execute.ts';
import { type AccountRole, formatPlan, teardownPlan } from './teardown/plan.ts';

/** The command line. */
export interface TeardownArguments {
  readonly yes: boolean;
  readonly deleteSnapshots: boolean;
  readonly deleteProtectingKeys: boolean;
  readonly estateProfile?: string;
  readonly profiles: { readonly primary?: string; readonly recovery?: string };
}

const FLAGS = new Set(['--yes', '--dry-run', '--delete-snapshots', '--delete-protecting-keys']);
const VALUED = new Set(['--primary-profile', '--recovery-profile', '--profile']);

/** Throws on an unknown flag: a typo must not turn into a default, least of all here. */
export function parseArguments(argv: readonly string[]): TeardownArguments {
  const value = (flag: string) => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const arg = argv[i] ?? '';
    const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
    if (v === undefined || v === '' || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const flag = arg.split('=')[0] ?? '';
    if (VALUED.has(flag)) {
      if (!arg.includes('=')) i++;
    } else if (!FLAGS.has(arg)) {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  const yes = argv.includes('--yes');
  if (yes && argv.includes('--dry-run')) throw new Error('--yes and --dry-run contradict each other');
  const primary = value('--primary-profile');
  const recovery = value('--recovery-profile');
  return {
    yes,
    deleteSnapshots: argv.includes('--delete-snapshots'),
    deleteProtectingKeys: argv.includes('--delete-protecting-keys'),
    estateProfile: profileArgument(argv),
    profiles: { ...(primary ? { primary } : {}), ...(recovery ? { recovery } : {}) },
  };
}

function awsDeps(config: EstateConfig, args: TeardownArguments): TeardownDeps {
  const credentials = (role: AccountRole) => {
    const profile = args.profiles[role];
    // No profile: the SDK's default chain, as the AWS CLI would use.
    return profile === undefined ? {} : { credentials: fromIni({ profile }) };
  };
  const cache = new Map<string, RegionClients>();
  return {
    clients(role, region) {
      const key = `${role}/${region}`;
      let c = cache.get(key);
      if (c === undefined) {
        const settings = { region, ...credentials(role) };
        c = {
          cloudFormation: new CloudFormationClient(settings),
          s3: new S3Client(settings),
          kms: new KMSClient(settings),
          backup: new BackupClient(settings),
          rds: new RDSClient(settings),
          logs: new CloudWatchLogsClient(settings),
          ssm: new SSMClient(settings),
        };
        cache.set(key, c);
      }
      return c;
    },
    sts: (role) => new STSClient({ region: config.homeRegion, ...credentials(role) }),
    log: (line) => console.log(line),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let args: TeardownArguments;
  let config: EstateConfig;
  try {
    args = parseArguments(argv);
    config = loadConfig({ profile: args.estateProfile });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (args.yes && !config.deploy) {
    console.error(
      'Refusing to tear down: the config has "deploy": false, so its accounts are placeholders and there is nothing real to destroy. Without --yes the plan is printed.',
    );
    return 2;
  }
  let plan: ReturnType<typeof teardownPlan>;
  try {
    plan = teardownPlan(synthesizeStacks(config), config);
  } catch (error) {
    console.error(`Synthesis failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  console.log(formatPlan(plan));
  if (!config.deploy) {
    console.log('\nDry run: the config has "deploy": false (placeholder accounts), so no AWS call was made.');
    return 0;
  }
  const dryRun = !args.yes;
  console.log(
    dryRun
      ? '\nDry run: reading the accounts, changing nothing (npm run teardown -- --yes executes it).\n'
      : '\nTearing down.\n',
  );
  try {
    const summary = await executePlan(plan, awsDeps(config, args), {
      dryRun,
      deleteSnapshots: args.deleteSnapshots,
      deleteProtectingKeys: args.deleteProtectingKeys,
      profiles: args.profiles,
    });
    console.log(`\n${dryRun ? 'Dry run: nothing was changed.' : formatSummary(summary)}`);
    return summary.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof TeardownError) {
      console.error(`\n${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
