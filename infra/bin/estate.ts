import { pathToFileURL } from 'node:url';
import type { App } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  type AwsRegion,
  backupCopyRegion,
  backupLandingSite,
  databaseRegions,
  type EstateConfig,
  estateSites,
  goldenImageRegions,
  loadConfig,
  recoveredConfig,
  recoveryAccount,
  type Site,
  stackName,
} from '../config/index.ts';
import { RESTORE_CONTEXT_KEY, type RestoreSettings, readRestoreSettings } from '../config/restore.ts';
import { createEstateApp } from '../lib/app.ts';
import { applyPolicies } from '../lib/aspects/index.ts';
import type { DatabaseReader } from '../lib/constructs/data/database-access.ts';
import { releasePlan } from '../lib/constructs/delivery/release-plan.ts';
import { beanstalkNames } from '../lib/constructs/engines/beanstalk/beanstalk-environment.ts';
import type { ServiceSettingsTarget } from '../lib/constructs/engines/service-settings.ts';
import { AsgStack } from '../lib/stacks/asg-stack.ts';
import { BackupLandingStack } from '../lib/stacks/backup-landing-stack.ts';
import { BackupStack } from '../lib/stacks/backup-stack.ts';
import { BackupVaultStack } from '../lib/stacks/backup-vault-stack.ts';
import { BeanstalkStack } from '../lib/stacks/beanstalk-stack.ts';
import { type DatabaseConsumer, DataStack } from '../lib/stacks/data-stack.ts';
import { DnsStack } from '../lib/stacks/dns-stack.ts';
import { DrillsStack } from '../lib/stacks/drills-stack.ts';
import { EcsStack } from '../lib/stacks/ecs-stack.ts';
import { EdgeStack } from '../lib/stacks/edge-stack.ts';
import type { EstateStack } from '../lib/stacks/estate-stack.ts';
import { FleetStack } from '../lib/stacks/fleet-stack.ts';
import { FoundationStack } from '../lib/stacks/foundation-stack.ts';
import { GovernanceStack } from '../lib/stacks/governance-stack.ts';
import { ImageStack } from '../lib/stacks/image-stack.ts';
import { ParameterBackupStack } from '../lib/stacks/parameter-backup-stack.ts';
import { PipelineStack } from '../lib/stacks/pipeline-stack.ts';
import { RecoveryDataStack } from '../lib/stacks/recovery-data-stack.ts';
import { RecoveryImageStack } from '../lib/stacks/recovery-image-stack.ts';
import { imageRepositoryName, RegistryStack } from '../lib/stacks/registry-stack.ts';
import { ReleaseStack } from '../lib/stacks/release-stack.ts';
import { ServerlessStack } from '../lib/stacks/serverless-stack.ts';
import { TrafficStack } from '../lib/stacks/traffic-stack.ts';

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

/** Options of {@link buildEstate}. */
export interface BuildEstateOptions {
  /**
   * Restore mode (DR-3): `config` is a recovered estate (see recoveredConfig) and these are its sources.
   * @default - a new estate
   */
  readonly restore?: RestoreSettings;
  /**
   * Restore mode: the region of the lost estate's recovery site in this account, where the images were
   * replicated to and the golden AMI copied. The recovered foundation and governance of that region
   * update that site's stacks in place instead of creating their own beside them: the estate key (which
   * the AMI copies, the replica bucket and the vault use) and its alias, the VPC, the published
   * parameters and the Config recorder are kept, where new ones would collide with them by name.
   * @default - config.homeRegion, with nothing taken over
   */
  readonly recoverySite?: AwsRegion;
}

/**
 * The whole estate: which stack goes to which account and region. Composition only; what a stack
 * contains lives in infra/lib. An engine (issues 4 to 8) is one more loop here over its configured
 * regions, creating its stack with the foundation of that region from `foundations`. Stacks of one
 * region share constructs; regions share only SSM parameters.
 */
export function buildEstate(app: App, estateConfig: EstateConfig, options: BuildEstateOptions = {}): Estate {
  const { restore } = options;
  // A recovered estate has no pipeline: its source and its artifacts were in the lost account, and the
  // engines run what the restore file names until a pipeline is set up again.
  const config: EstateConfig =
    restore === undefined
      ? estateConfig
      : { ...estateConfig, features: { ...estateConfig.features, pipeline: false } };
  const snapshotArn = restore?.database?.snapshotArn;
  if (snapshotArn !== undefined && snapshotArn.split(':')[3] !== config.homeRegion) {
    throw new Error(
      `the restore file's database snapshot is in ${snapshotArn.split(':')[3]}, not in the recovered home region ${config.homeRegion} (a snapshot restores only in its own region)`,
    );
  }
  applyPolicies(app, config);
  const stacks: EstateStack[] = [];
  const add = <T extends EstateStack>(stack: T): T => {
    stacks.push(stack);
    return stack;
  };

  // Every (account, region) gets a foundation; every other stack is built on its site's foundation.
  const sites = estateSites(config);
  const foundations = new Map<string, FoundationStack>();
  // The lost estate's recovery site, taken over by the stacks of the same concern (restore mode).
  const takeOver = (site: Site, concern: string) =>
    site.role === 'primary' && site.region === options.recoverySite
      ? { stackName: stackName(config, concern, { role: 'recovery', region: site.region }) }
      : {};
  for (const site of sites) {
    foundations.set(
      siteKey(site),
      add(new FoundationStack(app, { config, site, ...takeOver(site, 'Foundation') })),
    );
  }
  const on = (site: Site | undefined) => {
    const foundation = site && foundations.get(siteKey(site));
    if (site === undefined || foundation === undefined)
      throw new Error('a stack names a site the estate lacks');
    return { config, site, foundation };
  };
  const primary = (region: Site['region']) =>
    on(sites.find((s) => s.role === 'primary' && s.region === region));
  // Unset in a recovered estate without a standby account: it keeps no copies outside its own account.
  const recoverySite = sites.find((s) => s.role === 'recovery');
  const recovery = recoverySite === undefined ? undefined : on(recoverySite);

  // Data: the global database (home region first), its backups, and what the recovery account keeps.
  const data = new Map<Site['region'], DataStack>();
  for (const region of databaseRegions(config)) {
    data.set(
      region,
      add(
        new DataStack(app, {
          ...primary(region),
          primary: data.get(config.homeRegion),
          snapshotArn: region === config.homeRegion ? snapshotArn : undefined,
        }),
      ),
    );
  }
  const homeData = data.get(config.homeRegion);
  // Order only: the home cluster's secret is replicated under the estate key alias of each secondary
  // region, a name no token links, so `cdk deploy --concurrency` could run ahead of that foundation.
  for (const region of config.database.secondaryRegions) {
    if (region !== config.homeRegion) homeData?.addStackDependency(primary(region).foundation);
  }
  if (config.features.backup && homeData !== undefined) {
    const copyRegion = backupCopyRegion(config);
    const keep = recovery === undefined ? undefined : add(new BackupVaultStack(app, recovery));
    // Aurora snapshots reach the recovery account in the home region, then hop to the recovery region.
    const landing =
      keep === undefined || config.recoveryRegion === config.homeRegion
        ? keep
        : add(new BackupLandingStack(app, { config, site: backupLandingSite(config), keep }));
    const destinations = [
      ...(copyRegion === undefined ? [] : [add(new BackupVaultStack(app, primary(copyRegion)))]),
      ...(landing === undefined ? [] : [landing]),
    ];
    add(new BackupStack(app, { ...primary(config.homeRegion), data: homeData, destinations }));
  }
  const recoveryData = recovery === undefined ? undefined : add(new RecoveryDataStack(app, recovery));
  if (recoveryData !== undefined) {
    add(new ParameterBackupStack(app, { ...primary(config.homeRegion), recovery: recoveryData }));
  }

  // The image registry, replicated to the container engines' regions and the recovery account, which
  // must consent first. A recovered estate pulls from its replica instead.
  let registry: RegistryStack | undefined;
  if (config.engines.ecs.enabled && restore === undefined) {
    const destinations = [
      ...config.engines.ecs.regions.map((region) => ({ region, account: config.accounts.primary })),
      ...(recoveryData === undefined
        ? []
        : [{ region: config.recoveryRegion, account: recoveryAccount(config) }]),
    ];
    registry = add(new RegistryStack(app, { ...primary(config.homeRegion), destinations }));
    if (recoveryData !== undefined) registry.addStackDependency(recoveryData);
  }

  // The golden AMI, baked in the home region for the EC2 engines and copied into the recovery account,
  // whose distribution role must exist first. The copies name each region's estate key by its alias.
  if (config.features.goldenAmi && (config.engines.fleet.enabled || config.engines.asg.enabled)) {
    const recoveryImage = recovery === undefined ? undefined : add(new RecoveryImageStack(app, recovery));
    const image = add(new ImageStack(app, primary(config.homeRegion)));
    if (recoveryImage !== undefined) image.addStackDependency(recoveryImage);
    for (const region of goldenImageRegions(config)) {
      if (region !== config.homeRegion) image.addStackDependency(primary(region).foundation);
    }
  }

  // The hosted zone comes first: every engine's certificate is validated in it.
  const dns = add(new DnsStack(app, { config }));

  // Engines. One in a database region reads the database; elsewhere its /store answers 503.
  const connect = (region: Site['region'], consumer: DatabaseConsumer) => data.get(region)?.connect(consumer);
  const ec2Engine = <T extends FleetStack | AsgStack>(engine: T, name: string): T => {
    const { service } = engine;
    connect(engine.site.region, {
      name,
      connections: service.balancer.instanceSecurityGroup,
      settings: service.settings,
      role: service.role,
    });
    return engine;
  };
  const { fleet, asg, beanstalk, ecs, serverless } = config.engines;
  // What the release pipeline watches and deploys to, and what a game day may stop on, by region.
  const engineStacks: EstateStack[] = [];
  const rollbackAlarms = new Map<Site['region'], cloudwatch.IAlarm[]>();
  const stopAlarms = new Map<Site['region'], cloudwatch.IAlarm[]>();
  const watch = (stack: EstateStack, alarms: readonly cloudwatch.IAlarm[], http5xx?: cloudwatch.IAlarm) => {
    const { region } = stack.site;
    engineStacks.push(stack);
    rollbackAlarms.set(region, [...(rollbackAlarms.get(region) ?? []), ...alarms]);
    if (http5xx !== undefined) stopAlarms.set(region, [...(stopAlarms.get(region) ?? []), http5xx]);
  };
  if (fleet.enabled) {
    for (const region of fleet.regions) {
      const stack = add(ec2Engine(new FleetStack(app, primary(region)), 'fleet'));
      watch(stack, stack.service.rollbackAlarms.alarms, stack.service.rollbackAlarms.http5xx);
    }
  }
  if (asg.enabled) {
    for (const region of asg.regions) {
      const stack = add(ec2Engine(new AsgStack(app, primary(region)), 'asg'));
      watch(stack, stack.service.rollbackAlarms.alarms, stack.service.rollbackAlarms.http5xx);
    }
  }
  // The other engines' services take their settings and database grants themselves.
  const engineService = (
    region: Site['region'],
    name: string,
    connections: ec2.IConnectable,
    service: ServiceSettingsTarget & DatabaseReader,
  ) => connect(region, { name, connections, settings: service, role: service });
  if (beanstalk.enabled) {
    for (const region of beanstalk.regions) {
      const stack = add(new BeanstalkStack(app, primary(region)));
      const { service } = stack;
      watch(stack, []);
      engineService(region, 'beanstalk', service.instanceSecurityGroup, service);
    }
  }
  if (ecs.enabled) {
    for (const region of ecs.regions) {
      const restoredImage =
        restore?.image === undefined
          ? undefined
          : {
              repositoryName: imageRepositoryName(config),
              region: options.recoverySite ?? config.homeRegion,
              tag: restore.image.tag,
            };
      const stack = add(new EcsStack(app, { ...primary(region), restoredImage }));
      const { service } = stack;
      watch(stack, service.rollbackAlarms.alarms, service.rollbackAlarms.http5xx);
      engineService(region, 'ecs', service.taskSecurityGroup, service);
    }
  }
  if (serverless.enabled) {
    for (const region of serverless.regions) {
      const stack = add(new ServerlessStack(app, { ...primary(region), reachesDatabase: data.has(region) }));
      const { service } = stack;
      watch(stack, [...service.rollbackAlarms.alarms, service.newVersionErrors]);
      engineService(region, 'serverless', service.function, service);
    }
  }
  // Compliance that fixes itself, in every site: Config rules with automatic remediation (GOV-1 to GOV-5).
  if (config.features.compliance) {
    for (const site of sites) add(new GovernanceStack(app, { ...on(site), ...takeOver(site, 'Governance') }));
  }

  // Delivery: a release stack in every region the pipeline deploys to (its bucket and release watch),
  // then the pipeline in the home region, which names what it deploys to and so comes after all of it.
  if (config.features.pipeline) {
    const pipeline = new PipelineStack(app, primary(config.homeRegion));
    const regions = [...new Set([config.homeRegion, ...releasePlan(config).flatMap((w) => w.regions)])];
    for (const region of regions) {
      const release = add(
        new ReleaseStack(app, {
          ...primary(region),
          alarms: rollbackAlarms.get(region) ?? [],
          ...(beanstalk.enabled && beanstalk.regions.includes(region)
            ? { beanstalkEnvironment: beanstalkNames(config).environment }
            : {}),
        }),
      );
      pipeline.addStackDependency(release);
      // The region's canary reads the engines' published endpoints when the release stack deploys.
      for (const stack of engineStacks) if (stack.site.region === region) release.addStackDependency(stack);
    }
    for (const stack of [...engineStacks, ...(registry === undefined ? [] : [registry])]) {
      pipeline.addStackDependency(stack);
    }
    add(pipeline);
  }

  // Game days: each region's FIS experiments, stopped by its engines' 5xx alarms.
  if (config.features.drills) {
    for (const [region, alarms] of stopAlarms) {
      const autoScaling = asg.enabled && asg.regions.includes(region);
      const database = region === config.homeRegion && data.has(region);
      const containers = ecs.enabled && ecs.regions.includes(region);
      if (autoScaling || database || containers)
        add(
          new DrillsStack(app, {
            ...primary(region),
            stopAlarms: alarms,
            autoScaling,
            database,
            ecs: containers,
          }),
        );
    }
  }
  // Order only: engines read the zone id by its parameter name, which no token links.
  for (const stack of engineStacks) stack.addStackDependency(dns);
  // Global traffic aliases every engine's own name, so it comes after all of them.
  const edge = config.features.edge
    ? add(new EdgeStack(app, { config, certificate: dns.edgeCertificate }))
    : undefined;
  const traffic = add(new TrafficStack(app, { config, oops: edge?.oops.distribution }));
  for (const stack of [dns, ...engineStacks]) traffic.addStackDependency(stack);
  return { stacks, foundations, data };
}

/**
 * The estate the app's context asks for: the configured estate, or, when the context key
 * RESTORE_CONTEXT_KEY names a restore file, the recovered estate in the recovery account, restored from
 * that file's sources (`cdk deploy -c restore=<file>`).
 */
export function estateFromContext(app: App, config: EstateConfig): Estate {
  const file: unknown = app.node.tryGetContext(RESTORE_CONTEXT_KEY);
  if (file === undefined) return buildEstate(app, config);
  if (typeof file !== 'string') throw new Error(`context ${RESTORE_CONTEXT_KEY}: expected a file name`);
  return buildEstate(app, recoveredConfig(config), {
    restore: readRestoreSettings(file),
    recoverySite: config.recoveryRegion,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const app = createEstateApp();
  estateFromContext(app, loadConfig());
  app.synth();
}
