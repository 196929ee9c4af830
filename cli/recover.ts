import type { EstateConfig } from '../infra/config/index.ts';
import { defineCommand, positiveNumber, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';
import { recoverPlan } from './recover/plan.ts';
import { formatRecoverOutcome, type RecoverDeps, recover } from './recover/run.ts';
import { recoverDirectory } from './recover/state.ts';

/** The command line. */
export interface RecoverArguments {
  readonly yes: boolean;
  readonly acceptRpo: boolean;
  readonly verifyTimeoutMs: number;
  readonly estateProfile?: string;
  readonly awsProfile?: string;
}

export const RECOVER = defineCommand({
  name: 'recover',
  summary:
    "The primary account's loss, recovered by command (DR-3): finds the newest database recovery point, parameter export and image in the recovery account and prints their ages (the achieved RPO) against the designed RPO, refusing a missing or too old one unless --accept-rpo; writes the restore file, deploys the recovered estate into the recovery account with the CDK CLI, imports the parameters, checks that app resolves through the recovery account's zone, and verifies every engine (/health/deep, a /store write read back). Each step's time against the report's budget. Without --yes it only reads, and prints the exact calls and commands; a second run resumes at the step that stopped.",
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
    estateProfile: args.estateProfile,
    awsProfile: args.awsProfile,
    directory: recoverDirectory(deps.root, config.profile),
    verifyTimeoutMs: args.verifyTimeoutMs,
  });
  context.result(outcome, formatRecoverOutcome(outcome));
  if (outcome.error !== undefined) context.io.stderr.write(`${outcome.error}\n`);
  return outcome.error === undefined ? 0 : 1;
}
