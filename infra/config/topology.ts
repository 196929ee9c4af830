import type { AwsRegion } from './regions.ts';
import { type EstateConfig, primaryRegions } from './schema.ts';

/** Which of the two accounts: the one that runs the estate, or the one that survives its loss. */
export type AccountRole = 'primary' | 'recovery';

/** One (account, region) the estate occupies, with everything a stack there needs to know offline. */
export interface Site {
  /** Which account. */
  readonly role: AccountRole;
  /** Its 12-digit id. */
  readonly account: string;
  /** The region. */
  readonly region: AwsRegion;
  /** The region's three AZs, from the config (no lookup). */
  readonly availabilityZones: readonly string[];
  /** The region's VPC range. */
  readonly vpcCidr: string;
}

/**
 * Every site of the estate: the primary account's regions (home first), then the recovery account's, unless
 * the config has no recovery account (a recovered estate without a standby).
 */
export function estateSites(config: EstateConfig): Site[] {
  return [
    ...primaryRegions(config).map((r) => siteOf(config, 'primary', r)),
    ...(hasRecoverySite(config) ? [siteOf(config, 'recovery', config.recoveryRegion)] : []),
  ];
}

/** Whether the estate has a recovery account keeping its off-account copies. */
export function hasRecoverySite(config: EstateConfig): boolean {
  return config.accounts.recovery !== undefined;
}

/** The recovery account's id, for what exists only beside a recovery site; throws without one. */
export function recoveryAccount(config: Pick<EstateConfig, 'accounts'>): string {
  const { recovery } = config.accounts;
  if (recovery === undefined) throw new Error('the estate has no recovery account (accounts.recovery)');
  return recovery;
}

/** One account's site in one region, with the region's settings from the config. */
function siteOf(config: EstateConfig, role: AccountRole, region: AwsRegion): Site {
  const settings = config.regions[region];
  if (settings === undefined) throw new Error(`regions.${region} is missing (validated configs have it)`);
  const account = role === 'primary' ? config.accounts.primary : recoveryAccount(config);
  return { role, account, region, ...settings };
}

/**
 * `Hello-Foundation-us-east-1`; the recovery account's stacks say so (`Hello-Recovery-Foundation-us-east-2`)
 * because the recovery region may also be one of the primary account's regions.
 */
export function stackName(
  config: EstateConfig,
  concern: string,
  site: Pick<Site, 'role' | 'region'>,
): string {
  const account = site.role === 'recovery' ? 'Recovery-' : '';
  return `${config.appName}-${account}${concern}-${site.region}`;
}

/**
 * A deterministic SSM parameter name, `/hello/us-east-1/foundation/key-arn`: how a value crosses regions
 * (a reader in another region asks SSM in this region for this name; no cross-region export to deadlock
 * a delete).
 */
export function parameterName(
  config: EstateConfig,
  region: AwsRegion,
  concern: string,
  name: string,
): string {
  return `/${config.appName.toLowerCase()}/${region}/${concern.toLowerCase()}/${name}`;
}

/** The alias of every region's estate key: the same name everywhere, so other regions can name the key. */
export function estateKeyAlias(config: Pick<EstateConfig, 'appName'>): string {
  return `alias/${config.appName.toLowerCase()}/estate`;
}

/** Regions holding a cluster of the global database, primary (home) first; none when it is disabled. */
export function databaseRegions(config: EstateConfig): AwsRegion[] {
  return config.database.enabled ? [config.homeRegion, ...config.database.secondaryRegions] : [];
}

/**
 * The names the data layer and its readers agree on. Each is computable in any region, so a secondary
 * cluster, a secret replica or an engine finds its counterpart without a cross-region reference.
 */
export function databaseNames(config: EstateConfig) {
  const app = config.appName.toLowerCase();
  const appSecretName = `${app}/database/app`;
  return {
    globalClusterIdentifier: `${app}-global`,
    /** The service's database. */
    databaseName: app,
    masterUsername: `${app}_admin`,
    appUsername: `${app}_app`,
    masterSecretName: `${app}/database/master`,
    appSecretName,
    /** What engines read: SSM's view of the app secret (or of its replica in a secondary region). */
    appSecretReference: `/aws/reference/secretsmanager/${appSecretName}`,
    /** The region's cluster endpoint: the writer in the home region, the secondary's own elsewhere. */
    endpointParameter: (region: AwsRegion) => parameterName(config, region, 'database', 'endpoint'),
  } as const;
}

/**
 * A backup vault's name, `hello-us-east-1-vault` (`hello-recovery-us-east-2-vault` in the recovery
 * account): a plan's copy action builds the ARN of a vault in another region or account from it.
 */
export function backupVaultName(
  config: Pick<EstateConfig, 'appName'>,
  site: Pick<Site, 'role' | 'region'>,
): string {
  const account = site.role === 'recovery' ? 'recovery-' : '';
  return `${config.appName.toLowerCase()}-${account}${site.region}-vault`;
}

/** The ARN of a site's vault, built from its name (no reference crosses the region or the account). */
export function backupVaultArn(
  config: Pick<EstateConfig, 'appName'>,
  site: Pick<Site, 'role' | 'region' | 'account'>,
  partition = 'aws',
): string {
  return `arn:${partition}:backup:${site.region}:${site.account}:backup-vault:${backupVaultName(config, site)}`;
}

/**
 * Where the recovery account receives the primary account's backup copies: its vault in the home region
 * (AWS Backup copies an Aurora snapshot across accounts or across regions in one job, never both). The
 * recovery account's own site when the recovery region is the home region; otherwise a site of its own
 * that holds only the landing vault, its key and the relay to the recovery region.
 */
export function backupLandingSite(config: EstateConfig): Site {
  return siteOf(config, 'recovery', config.homeRegion);
}
