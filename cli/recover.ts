// npm run recover -- [--yes] (--help for the rest): the account-loss runbook as a command (DR-3). Finds the
// newest recovery point, parameter export and the released image in the recovery account and prints their ages against
// the designed RPO, deploys the recovered estate there from them, imports the parameters, checks DNS and
// verifies every engine, each step timed against the report's budget. Without --yes it only reads and
// prints the exact calls and commands; a second run resumes.
import { fileURLToPath } from 'node:url';
import { type EstateConfig, recoveredConfig, recoveryAccount } from '../infra/config/index.ts';
import { synthesizeStacks } from './estate-templates.ts';
import { commandConfig } from './lib/command-config.ts';
import { defineCommand, isMain, positiveNumber, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';
import { publicNameServers } from './preflight/delegation.ts';
import { awsRecoverClients } from './recover/clients.ts';
import { processRunner } from './recover/deploy.ts';
import { designedRpo, recoverPlan } from './recover/plan.ts';
import { formatRecoverOutcome, type RecoverDeps, recover } from './recover/run.ts';
import { recoverDirectory } from './recover/state.ts';

/** The command line. */
export interface RecoverArguments {
  readonly yes: boolean;
  readonly acceptRpo: boolean;
  readonly acceptCheckout: boolean;
  readonly verifyTimeoutMs: number;
  readonly estateProfile?: string;
  readonly awsProfile?: string;
}

export const RECOVER = defineCommand({
  name: 'recover',
  summary:
    "The primary account's loss, recovered by command (DR-3): finds the newest database recovery point, parameter export, the last release delivered and its image in the recovery account and prints their ages (the achieved RPO) against the designed RPO, refusing a missing or too old one unless --accept-rpo; refuses to deploy a checkout other than the release's commit unless --accept-checkout; writes the restore file, deploys the recovered estate into the recovery account with the CDK CLI, imports the parameters, checks that app resolves through the recovery account's zone (with dns.delegation, asking Route 53's parent zone directly and reporting the NS TTL resolvers may still hold the old answer for), and verifies every engine (/health/deep, a /store write read back). Each step's time against the report's budget. Without --yes it only reads, and prints the exact calls and commands; a second run resumes at the step that stopped.",
  options: {
    yes: { type: 'boolean', description: 'execute (without it: a dry run that only reads)' },
    'dry-run': {
      type: 'boolean',
      description: 'read, and print what it would write, run and call (the default)',
    },
    'accept-rpo': {
      type: 'boolean',
      description:
        'recover even with a source missing or a recovery point older than the designed RPO (the writes after it are lost)',
    },
    'accept-checkout': {
      type: 'boolean',
      description:
        "deploy even when the checkout is not at the last release's commit (the Beanstalk, Serverless and EC2 engines then run this checkout's code)",
    },
    'verify-timeout': {
      type: 'string',
      value: '<s>',
      description: 'how long the recovered engines may take to answer right',
      default: '600',
    },
    profile: SHARED_OPTIONS.profile,
    'recovery-profile': SHARED_OPTIONS['recovery-profile'],
  },
  examples: ['', '--recovery-profile recovery --yes', '--profile production --accept-rpo --yes --json'],
  json: true,
  settings({ values }, problems): RecoverArguments {
    if (values.yes && values['dry-run']) problems.push('--yes and --dry-run contradict each other');
    return {
      yes: values.yes,
      acceptRpo: values['accept-rpo'],
      acceptCheckout: values['accept-checkout'],
      verifyTimeoutMs: positiveNumber(problems, 'verify-timeout', values['verify-timeout'], 3600) * 1000,
      estateProfile: values.profile,
      awsProfile: values['recovery-profile'],
    };
  },
});

/** What {@link runRecover} needs besides the arguments and the configs. */
export type RecoverRunDeps = Omit<RecoverDeps, 'progress'> & { readonly root: string };

/** Runs the command: 0 recovered (or planned), 1 stopped with the reason. */
export async function runRecover(
  args: RecoverArguments,
  config: EstateConfig,
  recovered: EstateConfig,
  deps: RecoverRunDeps,
  context: RunContext,
): Promise<number> {
  const outcome = await recover({ ...deps, progress: context.progress }, recoverPlan(config, recovered), {
    dryRun: !args.yes,
    acceptRpo: args.acceptRpo,
    acceptCheckout: args.acceptCheckout,
    estateProfile: args.estateProfile,
    awsProfile: args.awsProfile,
    directory: recoverDirectory(deps.root, config.profile),
    verifyTimeoutMs: args.verifyTimeoutMs,
  });
  context.result(outcome, formatRecoverOutcome(outcome));
  // Under --json the result is on stdout alone: the reason it stopped goes to stderr as well.
  if (outcome.error !== undefined && context.json) context.io.stderr.write(`${outcome.error}\n`);
  return outcome.error === undefined ? 0 : 1;
}

async function main(args: RecoverArguments, context: RunContext): Promise<number> {
  const say = (m: string) => context.io.stderr.write(`${m}\n`);
  const config = commandConfig(args.estateProfile, say, 'recover');
  if (config === undefined) return 2;
  let recovered: EstateConfig;
  try {
    recoveryAccount(config);
    recovered = recoveredConfig(config);
  } catch (error) {
    say(`Nothing to recover into: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const { fromIni } = await import('@aws-sdk/credential-providers');
  const credentials =
    args.awsProfile === undefined ? {} : { credentials: fromIni({ profile: args.awsProfile }) };
  return runRecover(
    args,
    config,
    recovered,
    {
      root: fileURLToPath(new URL('..', import.meta.url)),
      clients: awsRecoverClients(credentials),
      runner: processRunner(context.io.stderr),
      fetch,
      nameServers: publicNameServers,
      // The report's figures for this config: its estate synthesized offline, read as `npm run report` does.
      designed: () => designedRpo({ stacks: synthesizeStacks(config) }, config, recovered.homeRegion),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    context,
  );
}

if (isMain(import.meta.url)) process.exitCode = await RECOVER.run(process.argv.slice(2), main);
