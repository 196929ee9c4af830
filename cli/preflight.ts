// npm run preflight [-- --primary-profile NAME] [--recovery-profile NAME] [--profile PROFILE]: read-only
// checks of both accounts before a first deploy (OPS-6) — identities, bootstrap, quotas against the
// profile's peak, the organization for cross-account backup, service-linked roles, and the platform and
// engine versions the estate asks for — one row each with its fix. Exit 1 on a blocker, 2 on bad input.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type EstateConfig, loadConfig } from '../infra/config/index.ts';
import type { AccountProfiles } from './preflight/clients.ts';

/** The command line. */
export interface PreflightArguments {
  /** The config profile (lab, production); unset: the config's. */
  readonly estateProfile?: string;
  /** Named AWS CLI profiles of the two accounts, the same flags as the teardown's. */
  readonly profiles: AccountProfiles;
}

/** Throws on an unknown flag or a flag without its value: a typo must not silently read another account. */
export function parsePreflightArguments(argv: readonly string[]): PreflightArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'primary-profile': { type: 'string' },
      'recovery-profile': { type: 'string' },
      profile: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const primary = values['primary-profile'];
  const recovery = values['recovery-profile'];
  return {
    estateProfile: values.profile,
    profiles: { ...(primary ? { primary } : {}), ...(recovery ? { recovery } : {}) },
  };
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
