// npm run preflight [-- options] (--help for them): read-only
// checks of both accounts before a first deploy (OPS-6) — identities, bootstrap, quotas against the
// profile's peak, the organization for cross-account backup, service-linked roles, and the platform and
// engine versions the estate asks for — one row each with its fix. Exit 1 on a blocker, 2 on bad input.

import { commandConfig } from './lib/command-config.ts';
import { defineCommand, isMain, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';
import type { AccountProfiles } from './preflight/clients.ts';

/** The command line. */
export interface PreflightArguments {
  /** The config profile (lab, production); unset: the config's. */
  readonly estateProfile?: string;
  /** Named AWS CLI profiles of the two accounts, the same flags as the teardown's. */
  readonly profiles: AccountProfiles;
}

export const PREFLIGHT = defineCommand({
  name: 'preflight',
  summary:
    "Read-only checks of both accounts before a first deploy (OPS-6): identities, bootstrap, quotas against the profile's peak, the organization for cross-account backup, service-linked roles, and the platform and engine versions the estate asks for, one row each with its fix. Exit 1 on a blocker.",
  options: {
    'primary-profile': SHARED_OPTIONS['primary-profile'],
    'recovery-profile': SHARED_OPTIONS['recovery-profile'],
    profile: SHARED_OPTIONS.profile,
  },
  examples: ['--primary-profile prod --recovery-profile dr', '--profile production --json'],
  json: true,
  settings({ values }): PreflightArguments {
    const primary = values['primary-profile'];
    const recovery = values['recovery-profile'];
    return {
      estateProfile: values.profile,
      profiles: { ...(primary ? { primary } : {}), ...(recovery ? { recovery } : {}) },
    };
  },
});

/** Throws on an unknown flag or a flag without its value: a typo must not silently read another account. */
export const parsePreflightArguments = (argv: readonly string[]): PreflightArguments => PREFLIGHT.parse(argv);

async function main(args: PreflightArguments, context: RunContext): Promise<number> {
  const config = commandConfig(args.estateProfile, console.error, 'check');
  if (config === undefined) return 2;
  // Loaded only now: synthesis and the SDK clients take seconds, a bad argument should not wait for them.
  const [{ synthesizeEstate }, { awsClients }, { runPreflight }, report] = await Promise.all([
    import('./preflight/estate.ts'),
    import('./preflight/clients.ts'),
    import('./preflight/run.ts'),
    import('./preflight/report.ts'),
  ]);
  context.progress.step(`synthesizing the ${config.profile} estate to learn where it deploys`);
  let assembly: ReturnType<typeof synthesizeEstate>;
  try {
    assembly = synthesizeEstate(config);
  } catch (error) {
    context.progress.done('failed');
    console.error(`Synthesis failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  context.progress.step('reading both accounts');
  const clients = await awsClients(config.homeRegion, args.profiles);
  const rows = await runPreflight(config, assembly, clients, args.profiles);
  context.progress.done();
  context.result(rows, `\n${report.formatRows(rows)}\n\n${report.summaryLine(rows)}`);
  return report.exitCode(rows);
}

if (isMain(import.meta.url)) process.exitCode = await PREFLIGHT.run(process.argv.slice(2), main);
