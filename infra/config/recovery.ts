import { ConfigError } from './load.ts';
import type { AwsRegion } from './regions.ts';
import { ENGINE_KINDS, type EngineKind, type EstateConfig, estateConfigSchema } from './schema.ts';
import { recoveryAccount } from './topology.ts';

/**
 * Each engine's regions in the recovered estate, unless `recovery.engines` names them. The EC2 engines
 * (fleet, asg) run in the recovered home region only: the recovery account holds the golden AMI's copy
 * there and nowhere else, so that is where they launch the estate's hardened image from the first
 * instance on. Every other engine keeps its own regions (users keep their latency), except the recovered
 * home region when the EC2 engines take it: those engines need a region of their own. With the default
 * topology that is four regions, the fewest that run all five engines.
 */
function recoveredEngines(config: EstateConfig, home: AwsRegion): EstateConfig['engines'] {
  const chosen = config.recovery?.engines ?? {};
  const ec2Runs = (['fleet', 'asg'] as const).some((kind) => config.engines[kind].enabled);
  const regionsOf = (kind: EngineKind): AwsRegion[] => {
    const named = chosen[kind];
    if (named !== undefined) return named;
    if (!ENGINE_KINDS[kind].exclusive) return [home];
    const kept = config.engines[kind].regions.filter((r) => !(ec2Runs && r === home));
    // An exclusive engine whose only region became the EC2 engines' home keeps it: validation names the
    // clash, and the user picks its region in recovery.engines.
    return kept.length > 0 ? kept : config.engines[kind].regions;
  };
  const engine = (kind: EngineKind) => ({ enabled: config.engines[kind].enabled, regions: regionsOf(kind) });
  return {
    fleet: engine('fleet'),
    asg: engine('asg'),
    beanstalk: engine('beanstalk'),
    ecs: engine('ecs'),
    serverless: engine('serverless'),
  };
}

/**
 * The estate as it is redeployed into the recovery account after the primary account is lost (DR-3): the
 * recovery account becomes its primary account, its home region is `recovery.homeRegion` (else the
 * recovery region, where the vault keeps the database's copies), its engines and database regions come
 * from the recovery section, and its sizes from the same profile. With `recovery.standbyAccount` it has a
 * recovery site of its own there; without, it keeps every copy in its own account. Keys the recovered
 * topology invalidates (backup.copyRegion, pipeline.waves, dns.hostedZoneId of the lost account) fall back
 * to their defaults. Throws a ConfigError naming the recovery key to change when the result is invalid.
 */
export function recoveredConfig(config: EstateConfig): EstateConfig {
  const { recovery: section = {}, backup, pipeline, dns, ...rest } = config;
  const { copyRegion: _lostCopyRegion, ...keptBackup } = backup;
  const { waves: _lostWaves, ...keptPipeline } = pipeline;
  const home = section.homeRegion ?? config.recoveryRegion;
  const standby = section.standbyAccount;
  const recovered: EstateConfig = {
    ...rest,
    accounts: {
      primary: recoveryAccount(config),
      ...(standby === undefined ? {} : { recovery: standby }),
    },
    homeRegion: home,
    // Without a standby account nothing lives in a recovery region; the home region keeps the key valid.
    recoveryRegion: standby === undefined ? home : (section.standbyRegion ?? config.homeRegion),
    engines: recoveredEngines(config, home),
    database: { ...config.database, secondaryRegions: section.databaseSecondaryRegions ?? [] },
    backup: keptBackup,
    pipeline: keptPipeline,
    dns: {
      domainName: dns.domainName,
      ...(section.hostedZoneId === undefined ? {} : { hostedZoneId: section.hostedZoneId }),
    },
  };
  const problems = homeProblems(config, home);
  const parsed = estateConfigSchema.safeParse(recovered);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${recoveryKey(issue.path.map(String))}: ${issue.message}`);
    }
  }
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new ConfigError('the recovered estate (config section recovery)', problems);
}

/**
 * The database is restored from a recovery point of a recovery-account vault, and a snapshot restores only
 * in its own region: the recovered home region must be one holding those copies, the recovery region (its
 * vault) or this estate's home region (the landing vault the copies arrive in).
 */
function homeProblems(config: EstateConfig, home: AwsRegion): string[] {
  if (!config.database.enabled || !config.features.backup) return [];
  const holding = [...new Set([config.recoveryRegion, config.homeRegion])];
  if (holding.includes(home)) return [];
  return [
    `recovery.homeRegion: ${home} holds no copy of the database in the recovery account (its vaults are in ${holding.join(' and ')}), so the recovered database could not be restored there`,
  ];
}

/** The key a user changes to fix a problem found at `path` of the recovered config. */
function recoveryKey(path: readonly string[]): string {
  const [head, second] = path;
  if (head === 'homeRegion') return 'recovery.homeRegion';
  if (head === 'recoveryRegion') return 'recovery.standbyRegion';
  if (head === 'accounts') return 'recovery.standbyAccount';
  if (head === 'engines' && second !== undefined) return `recovery.engines.${second}`;
  if (head === 'database' && second === 'secondaryRegions') return 'recovery.databaseSecondaryRegions';
  if (head === 'dns' && second === 'hostedZoneId') return 'recovery.hostedZoneId';
  return path.join('.') || '(root)';
}
