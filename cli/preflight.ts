// npm run preflight [-- --primary-profile NAME] [--recovery-profile NAME] [--profile PROFILE]: read-only
// checks of both accounts before a first deploy (OPS-6) — identities, bootstrap, quotas against the
// profile's peak, the organization for cross-account backup, service-linked roles, and the platform and
// engine versions the estate asks for — one row each with its fix. Exit 1 on a blocker, 2 on bad input.

import { pathToFileURL } from 'node:url';
import { type EstateConfig, loadConfig } from '../infra/config/index.ts';
import { parseArguments, type TeardownArguments } from './teardown.ts';

/** The command line: the teardown's account profiles and estate profile, without its actions. */
export type PreflightArguments = Pick<TeardownArguments, 'estateProfile' | 'profiles'>;

/** Throws on an unknown flag or one of the teardown's actions, which mean nothing here. */
export function parsePreflightArguments(argv: readonly string[]): PreflightArguments {
  const action = argv.find((a) => ['--yes', '--dry-run', '--delete-snapshots'].includes(a));
  if (action !== undefined) throw new Error(`unknown argument ${action}`);
  const { estateProfile, profiles } = parseArguments(argv);
  return { estateProfile, profiles };
}

async function main(argv: readonly string[]): Promise<number> {
  let args: PreflightArguments;
  let config: EstateConfig;
  try {
    args = parsePreflightArguments(argv);
    config = loadConfig({ profile: args.estateProfile });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (!config.deploy) {
    console.error(
      'Nothing to check: the config has "deploy": false, so its accounts are placeholders. Set real accounts and "deploy": true in estate.config.json first.',
    );
    return 2;
  }
  // Loaded only now: synthesis and the SDK clients take seconds, a bad argument should not wait for them.
  const [{ synthesizeEstate }, { awsClients }, { runPreflight }, report] = await Promise.all([
    import('./preflight/estate.ts'),
    import('./preflight/clients.ts'),
    import('./preflight/run.ts'),
    import('./preflight/report.ts'),
  ]);
  console.log(`Synthesizing the ${config.profile} estate to learn where it deploys…`);
  let assembly: ReturnType<typeof synthesizeEstate>;
  try {
    assembly = synthesizeEstate(config);
  } catch (error) {
    console.error(`Synthesis failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const clients = await awsClients(config.homeRegion, args.profiles);
  const rows = await runPreflight(config, assembly, clients, args.profiles);
  console.log(`\n${report.formatRows(rows)}\n\n${report.summaryLine(rows)}`);
  return report.exitCode(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
