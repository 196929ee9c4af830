import { pathToFileURL } from 'node:url';
import type { App } from 'aws-cdk-lib';
import {
  backupCopyRegion,
  databaseRegions,
  type EstateConfig,
  estateSites,
  loadConfig,
  type Site,
} from '../config/index.ts';
import { createEstateApp } from '../lib/app.ts';
import { applyPolicies } from '../lib/aspects/index.ts';
import { AsgStack } from '../lib/stacks/asg-stack.ts';
import { BackupStack } from '../lib/stacks/backup-stack.ts';
import { BackupVaultStack } from '../lib/stacks/backup-vault-stack.ts';
import { DataStack } from '../lib/stacks/data-stack.ts';
import type { EstateStack } from '../lib/stacks/estate-stack.ts';
import { FleetStack } from '../lib/stacks/fleet-stack.ts';
import { FoundationStack } from '../lib/stacks/foundation-stack.ts';
import { ParameterBackupStack } from '../lib/stacks/parameter-backup-stack.ts';
import { RecoveryDataStack } from '../lib/stacks/recovery-data-stack.ts';

/** The stacks of one estate, as composed by {@link buildEstate}. */
export interface Estate {
  /** Every stack, in creation order. */
  readonly stacks: readonly EstateStack[];
  /** The foundation of each site, by `role/region` (see {@link siteKey}). */
  readonly foundations: ReadonlyMap<string, FoundationStack>;
  /** The data stack of each database region, home region first. */
  readonly data: ReadonlyMap<Site['region'], DataStack>;
}

/** `primary/us-east-1`. */
export function siteKey(site: Pick<Site, 'role' | 'region'>): string {
  return `${site.role}/${site.region}`;
}

/**
 * The whole estate: which stack goes to which account and region. Composition only; what a stack
 * contains lives in infra/lib. An engine (issues 4 to 8) is one more loop here over its configured
 * regions, creating its stack with the foundation of that region from `foundations`. Stacks of one
 * region share constructs; regions share only SSM parameters.
 */
export function buildEstate(app: App, config: EstateConfig): Estate {
  applyPolicies(app, config);
  const stacks: EstateStack[] = [];
  const foundations = new Map<string, FoundationStack>();
  for (const site of estateSites(config)) {
    const foundation = new FoundationStack(app, { config, site });
    foundations.set(siteKey(site), foundation);
    stacks.push(foundation);
  }
  const primarySite = (region: Site['region']) => {
    const site = estateSites(config).find((s) => s.role === 'primary' && s.region === region);
    const foundation = foundations.get(siteKey({ role: 'primary', region }));
    if (site === undefined || foundation === undefined) throw new Error(`no primary site in ${region}`);
    return { config, site, foundation };
  };
  const data = new Map<Site['region'], DataStack>();
  for (const region of databaseRegions(config)) {
    const stack = new DataStack(app, { ...primarySite(region), primary: data.get(config.homeRegion) });
    data.set(region, stack);
    stacks.push(stack);
  }
  const homeData = data.get(config.homeRegion);
  if (config.features.backup && homeData !== undefined) {
    const copyRegion = backupCopyRegion(config);
    const recovery = estateSites(config).find((s) => s.role === 'recovery');
    const recoveryFoundation = recovery && foundations.get(siteKey(recovery));
    if (recovery === undefined || recoveryFoundation === undefined) throw new Error('no recovery site');
    const destinations = [
      ...(copyRegion === undefined ? [] : [new BackupVaultStack(app, primarySite(copyRegion))]),
      new BackupVaultStack(app, { config, site: recovery, foundation: recoveryFoundation }),
    ];
    stacks.push(
      ...destinations,
      new BackupStack(app, { ...primarySite(config.homeRegion), data: homeData, destinations }),
    );
  }
  const recoverySite = estateSites(config).find((s) => s.role === 'recovery');
  const recoveryBase = recoverySite && foundations.get(siteKey(recoverySite));
  if (recoverySite === undefined || recoveryBase === undefined) throw new Error('no recovery site');
  const recoveryData = new RecoveryDataStack(app, { config, site: recoverySite, foundation: recoveryBase });
  const home = primarySite(config.homeRegion);
  stacks.push(recoveryData, new ParameterBackupStack(app, { ...home, recovery: recoveryData }));
  // An EC2 engine in a database region reads the database; elsewhere its /store answers 503.
  const connect = (engine: FleetStack | AsgStack, name: string) => {
    data.get(engine.site.region)?.connect({
      name,
      connections: engine.service.balancer.instanceSecurityGroup,
      settings: engine.service.settings,
      role: engine.service.role,
    });
    return engine;
  };
  const { fleet, asg } = config.engines;
  if (fleet.enabled)
    for (const region of fleet.regions)
      stacks.push(connect(new FleetStack(app, primarySite(region)), 'fleet'));
  if (asg.enabled)
    for (const region of asg.regions) stacks.push(connect(new AsgStack(app, primarySite(region)), 'asg'));
  return { stacks, foundations, data };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const app = createEstateApp();
  buildEstate(app, loadConfig());
  app.synth();
}
