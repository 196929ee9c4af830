// npm run teardown [-- --yes] [options] (--help for them): the estate of the user's config destroyed in reverse deploy order across both
// accounts, then what its stacks keep (GOV-6, OPS-5). Without --yes it only prints the plan and, for a real
// estate, what it would do there.

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
import { seconds } from './lib/progress.ts';
import { defineCommand, isMain, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';
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

export const TEARDOWN = defineCommand({
  name: 'teardown',
  summary:
    'The estate of your config destroyed in reverse deploy order across both accounts, then what its stacks keep (GOV-6, OPS-5). Without --yes it only prints the plan and, for a real estate, what it would do there.',
  options: {
    yes: { type: 'boolean', description: 'execute (without it: a dry run that changes nothing)' },
    'dry-run': { type: 'boolean', description: 'print the plan and read the accounts only (the default)' },
    'delete-snapshots': {
      type: 'boolean',
      description: 'also delete the snapshots and recovery points the stacks keep',
    },
    'delete-protecting-keys': {
      type: 'boolean',
      description: 'also schedule deletion of keys that still protect kept data',
    },
    'primary-profile': SHARED_OPTIONS['primary-profile'],
    'recovery-profile': SHARED_OPTIONS['recovery-profile'],
    profile: SHARED_OPTIONS.profile,
  },
  examples: ['--profile production', '--yes --primary-profile prod --recovery-profile dr'],
  settings({ values }, problems): TeardownArguments {
    if (values.yes && values['dry-run']) problems.push('--yes and --dry-run contradict each other');
    const primary = values['primary-profile'];
    const recovery = values['recovery-profile'];
    return {
      yes: values.yes,
      deleteSnapshots: values['delete-snapshots'],
      deleteProtectingKeys: values['delete-protecting-keys'],
      estateProfile: values.profile,
      profiles: { ...(primary ? { primary } : {}), ...(recovery ? { recovery } : {}) },
    };
  },
});

/** Throws on an unknown flag: a typo must not turn into a default, least of all here. */
export const parseArguments = (argv: readonly string[]): TeardownArguments => TEARDOWN.parse(argv);

function awsDeps(config: EstateConfig, args: TeardownArguments, log: (line: string) => void): TeardownDeps {
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
    log,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}

async function main(args: TeardownArguments, context: RunContext): Promise<number> {
  let config: EstateConfig;
  try {
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
    const summary = await executePlan(
      plan,
      awsDeps(config, args, (line) =>
        console.log(`[${seconds(context.progress.elapsedMs()).padStart(8)}] ${line}`),
      ),
      {
        dryRun,
        deleteSnapshots: args.deleteSnapshots,
        deleteProtectingKeys: args.deleteProtectingKeys,
        profiles: args.profiles,
      },
    );
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

if (isMain(import.meta.url)) process.exitCode = await TEARDOWN.run(process.argv.slice(2), main);
