import { z } from 'zod';
import { PROFILES, profileName, type RecoveryVaultLock } from './profiles.ts';
import { AWS_REGIONS, type AwsRegion, REGIONS_WITHOUT_GLOBAL_IAM_RECORDING } from './regions.ts';

/** Account ids and domains that only stand in until a user gives real ones. */
export const PLACEHOLDER_ACCOUNTS: readonly string[] = ['111111111111', '222222222222'];
export const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|org|net)|test|invalid|localhost)$/;

/**
 * Engines, each served from one or more regions. `exclusive` engines need regions of their own:
 * weighted DNS gives every region one regional endpoint, so two such engines cannot share it
 * (the fleet and the ASG share the home region's load balancer listener rules instead).
 */
export const ENGINE_KINDS = {
  fleet: { exclusive: false },
  asg: { exclusive: false },
  beanstalk: { exclusive: true },
  ecs: { exclusive: true },
  serverless: { exclusive: true },
} as const;
export type EngineKind = keyof typeof ENGINE_KINDS;

const region = z.enum(AWS_REGIONS, {
  error: (issue) =>
    `unknown region ${JSON.stringify(issue.input)} (expected an AWS region id such as us-east-1)`,
});
const accountId = z
  .string({ error: 'expected a 12-digit AWS account id as a string' })
  .regex(/^\d{12}$/, 'expected a 12-digit AWS account id such as "123456789012"');
const cidr16 = z
  .string()
  .regex(/^10\.(\d{1,3})\.0\.0\/16$/, 'expected a /16 inside 10.0.0.0/8, such as "10.10.0.0/16"');

const regionSettings = z.strictObject({
  /** Exactly three AZ names: synth makes no lookup, so the config is their only source. */
  availabilityZones: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'expected an AZ name such as us-east-1a'))
    .length(3, 'expected exactly 3 availability zones'),
  /** The region's VPC range; distinct per region so VPCs can later be peered. */
  vpcCidr: cidr16,
});

const engine = z.strictObject({
  enabled: z.boolean(),
  regions: z.array(region).min(1, 'expected at least one region'),
});

const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris');

/** The CodeDeploy deployment configurations an in-place group may default to (CICD-4). */
export const SERVER_DEPLOYMENT_CONFIGS = ['AllAtOnce', 'HalfAtATime', 'OneAtATime', 'Custom'] as const;
export type ServerDeploymentConfigName = (typeof SERVER_DEPLOYMENT_CONFIGS)[number];

const count = (min: number, max: number) =>
  z.number().int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`);
// Aurora Serverless v2 scales in half-ACU steps; 0 (auto-pause) is not offered because a global database
// cannot pause.
const acu = (min: number, max: number) =>
  z
    .number()
    .min(min, `expected at least ${min} ACU`)
    .max(max, `expected at most ${max} ACU`)
    .refine((v) => Number.isInteger(v * 2), 'expected a multiple of 0.5 ACU');
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as 18:00');

/** What stops a deployment and rolls it back: thresholds of the alarms the deployment group watches. */
const rollback = z.strictObject({
  /** 5xx responses per period, as users see them (balancer and targets, or the API) (CICD-6). */
  http5xxThreshold: count(1, 100_000),
  /** `failure` log records per period that stop a deployment (CICD-7). */
  failureRecordThreshold: count(1, 100_000),
  /** Alarm period in seconds. */
  periodSeconds: z.union([z.literal(60), z.literal(300)], { error: 'expected 60 or 300' }),
});

/** The EC2 engines (`fleet`, `asg`): sizes, schedule, deployments and rollback thresholds. */
const ec2 = z.strictObject({
  /** SSM parameter holding the AMI id, resolved at every launch (the golden-AMI issue publishes its own). */
  amiParameter: z
    .string()
    .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'expected an SSM parameter name such as /aws/service/...'),
  /** Standalone instances of the fleet engine. */
  fleetInstances: count(1, 20),
  asg: z.strictObject({
    minCapacity: count(1, 100),
    maxCapacity: count(1, 100),
    /** Instances in normal hours (after the evening peak and at creation). */
    normalCapacity: count(1, 100),
    /** Instances pinned during the evening peak. */
    peakCapacity: count(1, 100),
    /** Start and end of the peak, in scheduling.timeZone. */
    peakStart: clock,
    peakEnd: clock,
    /** Average CPU the target tracking policy keeps. */
    cpuTargetPercent: count(10, 90),
    /** Seconds a new instance has before ELB health checks count. */
    healthCheckGraceSeconds: count(0, 3600),
  }),
  deployment: z.strictObject({
    /** Default configuration of the in-place groups and the blue/green group. */
    config: z.enum(SERVER_DEPLOYMENT_CONFIGS, {
      error: `expected one of ${SERVER_DEPLOYMENT_CONFIGS.join(', ')}`,
    }),
    /** Minimum healthy hosts of the Custom configuration, in percent. */
    customMinimumHealthyPercent: count(1, 99),
    /** What CodeDeploy does with instances launched while a deployment runs (UPDATE: deploy them again). */
    outdatedInstances: z.enum(['UPDATE', 'IGNORE']),
    /** Suspend AZ rebalancing, termination and instance refresh of the ASG during in-place deployments. */
    suspendScaling: z.boolean(),
    /** Seconds the target group drains a deregistered instance. */
    deregistrationDelaySeconds: count(0, 3600),
    blueGreen: z.strictObject({
      /** 0: reroute traffic as soon as the green fleet is ready; n: wait up to n minutes for an operator. */
      readyWaitMinutes: count(0, 2880),
      /** Minutes the blue fleet lives on after traffic moved (the window for a fast manual rollback). */
      terminationWaitMinutes: count(0, 2880),
    }),
    /** How the pipeline releases the standalone fleet (BlueGreen: green instances, no operator); unset: InPlace. */
    fleetRelease: z
      .enum(['InPlace', 'BlueGreen'], { error: 'expected InPlace or BlueGreen (or no fleetRelease)' })
      .optional(),
  }),
  rollback,
});

/** How Beanstalk rolls a new application version out (EB-3), by its option value. */
export const BEANSTALK_DEPLOYMENT_POLICIES = [
  'AllAtOnce',
  'Rolling',
  'RollingWithAdditionalBatch',
  'Immutable',
  'TrafficSplitting',
] as const;
export type BeanstalkDeploymentPolicy = (typeof BEANSTALK_DEPLOYMENT_POLICIES)[number];

/** The `beanstalk` engine: platform, size and how a version rolls out. */
const beanstalk = z.strictObject({
  /**
   * The platform branch, as `aws elasticbeanstalk list-platform-branches` names it. Its recommended
   * version is looked up at deploy time: a pinned version is refused to new accounts once superseded.
   */
  platformBranch: z
    .string()
    .regex(
      /^Node\.js \d+ running on 64bit Amazon Linux 2023$/,
      'expected a Node.js platform branch such as "Node.js 24 running on 64bit Amazon Linux 2023"',
    ),
  deploymentPolicy: z.enum(BEANSTALK_DEPLOYMENT_POLICIES, {
    error: `expected one of ${BEANSTALK_DEPLOYMENT_POLICIES.join(', ')}`,
  }),
  /** Instances, over at least two AZs once there are two. */
  minInstances: count(1, 100),
  maxInstances: count(1, 100),
  /** TrafficSplitting only: the new version's share and how long it is watched before taking all. */
  trafficSplitting: z.strictObject({
    newVersionPercent: count(1, 100),
    evaluationMinutes: count(3, 600),
  }),
});

/** How ECS moves production traffic to a new task set (ECS-3). */
export const ECS_DEPLOYMENT_STRATEGIES = ['BLUE_GREEN', 'CANARY', 'LINEAR'] as const;
export type EcsDeploymentStrategy = (typeof ECS_DEPLOYMENT_STRATEGIES)[number];

/** The `ecs` engine: the Fargate service's size and how a new task definition takes traffic. */
const ecs = z.strictObject({
  /** BLUE_GREEN moves all production traffic at once; CANARY one step then the rest; LINEAR in equal steps. */
  strategy: z.enum(ECS_DEPLOYMENT_STRATEGIES, {
    error: `expected one of ${ECS_DEPLOYMENT_STRATEGIES.join(', ')}`,
  }),
  /** Minutes the new tasks serve all production traffic before the old ones stop (the rollback window). */
  bakeMinutes: count(0, 1440),
  /** CANARY and LINEAR: the share of production traffic a step moves, in percent. */
  stepPercent: count(3, 100),
  /** CANARY and LINEAR: minutes each step is watched. */
  stepBakeMinutes: count(0, 1440),
  /** Tasks: at least two for two AZs; CPU target tracking moves between the bounds. */
  minTasks: count(1, 100),
  maxTasks: count(1, 100),
  rollback,
});

/** CodeDeploy's predefined Lambda traffic shifts (`CodeDeployDefault.Lambda<name>`). */
export const LAMBDA_DEPLOYMENT_CONFIGS = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;
export type LambdaDeploymentConfigName = (typeof LAMBDA_DEPLOYMENT_CONFIGS)[number];

/** The `serverless` engine: how a new version takes traffic, what the API accepts, what rolls it back. */
const serverless = z.strictObject({
  /** How CodeDeploy shifts the alias to a new version (FN-2). */
  deploymentConfig: z.enum(LAMBDA_DEPLOYMENT_CONFIGS, {
    error: `expected one of ${LAMBDA_DEPLOYMENT_CONFIGS.join(', ')}`,
  }),
  /** Requests the API admits before answering 429: a public endpoint's ceiling on the bill. */
  throttle: z.strictObject({
    /** Steady requests per second. */
    rateLimit: count(1, 10_000),
    /** Requests admitted at once above the steady rate. */
    burstLimit: count(1, 5_000),
  }),
  rollback,
  /**
   * Rehearsal only: the next version answers `GET /` with 500 (the service's FAULT_MODE), so the
   * pre-traffic hook fails and CodeDeploy keeps the live version. Remove it and deploy again to recover.
   */
  faultMode: z.enum(['root-500'], { error: 'expected root-500 (or no faultMode)' }).optional(),
});

/** What starts a scheduled bake: every match of the expression, or a match with a newer base image or component. */
export const IMAGE_START_CONDITIONS = [
  'EXPRESSION_MATCH_ONLY',
  'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
] as const;

/** The golden AMI (features.goldenAmi): what it is built from, when, how many are kept, how fleets move to it. */
const goldenAmi = z.strictObject({
  /** An Image Builder managed image (`amazon-linux-2023-x86`), taken at its newest version at every bake. */
  baseImage: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected an Image Builder image name such as amazon-linux-2023-x86')
    .refine(
      (name) => !name.startsWith('ami-'),
      'expected an Image Builder image name, not an AMI id (an id pins the base and never updates)',
    ),
  /** Instance type of the build and test instances (the architecture of baseImage). */
  buildInstanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'expected an instance type such as t3.small'),
  schedule: z.strictObject({
    /** Image Builder cron, evaluated in scheduling.timeZone. */
    expression: z
      .string()
      .regex(/^cron\(\S+( \S+){5}\)$/, 'expected an Image Builder cron such as cron(0 4 ? * sun *)'),
    startCondition: z.enum(IMAGE_START_CONDITIONS, {
      error: `expected one of ${IMAGE_START_CONDITIONS.join(', ')}`,
    }),
  }),
  /** Images kept by the lifecycle policy; older AMIs and their snapshots are deleted. */
  keepImages: count(1, 50),
  /** A finding above this severity with a fix available fails the image (Inspector scan of the output AMI). */
  scanFailAbove: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], {
    error: 'expected CRITICAL, HIGH, MEDIUM or LOW',
  }),
  /** `npm run refresh-instances`: share of each group kept in service while instances are replaced. */
  refreshMinHealthyPercent: count(0, 100),
});

/** Config allows one recorder per account and region: the estate creates it, or uses the one already there. */
export const RECORDER_MODES = ['create', 'existing'] as const;

/** AWS Config rules with automatic remediation, Inspector and the trail (GOV-1 to GOV-5), in every site. */
const compliance = z.strictObject({
  /** `existing`: each account's recorder and channel predate the estate and must record what the rules evaluate. */
  recorder: z.enum(RECORDER_MODES, { error: `expected one of ${RECORDER_MODES.join(', ')}` }),
  /** How Config retries a remediation that did not make the resource compliant. */
  remediation: z.strictObject({
    /** Attempts per resource before Config stops and leaves it non-compliant (Config accepts 1 to 25). */
    maximumAttempts: count(1, 25),
    /** Seconds within which those attempts count, one window per resource. */
    retrySeconds: count(1, 2_678_000),
  }),
  /** True when an organization trail already logs every account and region: the estate then creates no trail. */
  organizationTrail: z.boolean(),
});

const source = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('CodeCommit'),
      repositoryName: z.string().min(1),
      /** The repository exists already; unset: the pipeline stack creates it (and keeps it on delete). */
      existing: z.boolean().optional(),
      branch: z.string().min(1),
    }),
    z.strictObject({
      kind: z.literal('CodeConnections'),
      /** An existing connection; without it the pipeline creates one (left PENDING until a human accepts it). */
      connectionArn: z.string().startsWith('arn:aws:code').optional(),
      /** Where the repository lives, for a connection the pipeline creates; unset: GitHub. */
      provider: z.enum(['GitHub', 'GitLab', 'Bitbucket']).optional(),
      owner: z.string().min(1),
      repository: z.string().min(1),
      branch: z.string().min(1),
    }),
    z.strictObject({ kind: z.literal('S3'), bucketName: z.string().min(3), objectKey: z.string().min(1) }),
  ],
  { error: 'expected kind to be one of CodeCommit, CodeConnections, S3' },
);

/** How a pipeline execution waits for another (PARALLEL is refused: a stage cannot roll back in it). */
export const PIPELINE_EXECUTION_MODES = ['QUEUED', 'SUPERSEDED'] as const;

/** The release pipeline (CICD-1, CICD-10): the waves after the home region, their bake and their gates. */
const pipeline = z.strictObject({
  /**
   * The regions after the home region, wave by wave (each wave's regions release in parallel); unset:
   * one region per wave, in the order the engines list them. Every engine region but the home region,
   * each exactly once.
   */
  waves: z.array(z.array(region).min(1, 'expected at least one region in a wave')).optional(),
  /** Minutes each wave is watched by its regions' alarms before the next starts (0: no bake). */
  bakeMinutes: count(0, 1440),
  /** A person approves before the second wave (the rest of the home region) starts. */
  approval: z.boolean(),
  /** QUEUED: every push is released in turn; SUPERSEDED: a newer push overtakes one still waiting. */
  executionMode: z.enum(PIPELINE_EXECUTION_MODES, {
    error: `expected one of ${PIPELINE_EXECUTION_MODES.join(', ')} (PARALLEL cannot roll a stage back)`,
  }),
  /** Waves start only inside this window (a DeploymentWindow rule); unset: any time. */
  releaseHours: z
    .strictObject({
      /** A CodePipeline cron expression of the open window, such as `cron(* 9-16 ? * MON-THU *)`. */
      cron: z.string().regex(/^cron\(.+\)$/, 'expected a cron expression such as cron(* 9-16 ? * MON-THU *)'),
      timeZone,
    })
    .optional(),
  /** Synthetic canaries that walk the user's path in every engine region (CICD-11). */
  canary: z.strictObject({
    /** One canary per engine region, its alarm in the region's release watch. */
    enabled: z.boolean(),
    /** Minutes between runs; shorter than the bake, so each bake sees at least one run. */
    intervalMinutes: count(1, 60),
  }),
});

/**
 * The estate as it is redeployed into the recovery account after the primary account is lost (DR-3); see
 * recovery.ts. Every key has a default, so a config without this section describes a recovery too.
 */
const recovery = z
  .strictObject({
    /** Home region of the recovered estate; unset: recoveryRegion, where the vault keeps the database's copies. */
    homeRegion: region.optional(),
    /** Regions of each engine there (an engine disabled here stays disabled); unset: see recovery.ts. */
    engines: z
      .strictObject({
        fleet: z.array(region).optional(),
        asg: z.array(region).optional(),
        beanstalk: z.array(region).optional(),
        ecs: z.array(region).optional(),
        serverless: z.array(region).optional(),
      })
      .optional(),
    /** Regions of the recovered global database's secondary clusters; unset: none. */
    databaseSecondaryRegions: z.array(region).optional(),
    /** The account keeping the recovered estate's own off-account copies; unset: none (copies stay in-account). */
    standbyAccount: accountId.optional(),
    /** The standby account's region; unset: this estate's homeRegion. */
    standbyRegion: region.optional(),
    /** The hosted zone the recovered estate answers in; unset: its edge stack creates one. */
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{4,31}$/, 'expected a Route 53 hosted zone id')
      .optional(),
  })
  .optional();

const shape = z.strictObject({
  /** Prefix of stack names, tags and parameter paths. */
  appName: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9]{1,15}$/, 'expected a PascalCase word of 2-16 letters or digits'),
  /** Sizes and paid extras; see profiles.ts. */
  profile: profileName,
  /** True once the config describes real accounts and a real domain: placeholders are then refused. */
  deploy: z.boolean(),
  /** The primary account runs the estate; the recovery account (unset: none, no recovery site) survives its loss. */
  accounts: z.strictObject({ primary: accountId, recovery: accountId.optional() }),
  homeRegion: region,
  recoveryRegion: region,
  regions: z.partialRecord(region, regionSettings),
  engines: z.strictObject({
    fleet: engine,
    asg: engine,
    beanstalk: engine,
    ecs: engine,
    serverless: engine,
  }),
  database: z.strictObject({
    enabled: z.boolean(),
    /** Regions holding a secondary cluster of the global database (the primary is in the home region). */
    secondaryRegions: z.array(region),
    /** Days of automated backups, the point-in-time-recovery window (Aurora PostgreSQL has no backtrack). */
    backupRetentionDays: count(1, 35),
    /** Refuse to delete the clusters; unset: the profile decides (off in lab, so a lab tears down in one go). */
    deletionProtection: z.boolean().optional(),
    /** Serverless v2 bounds in ACUs (steps of 0.5); unset: the profile's. */
    capacity: z
      .strictObject({
        minAcu: acu(0.5, 256),
        maxAcu: acu(1, 256),
      })
      .optional(),
  }),
  /** AWS Backup of the database and the data buckets (features.backup switches it on). */
  backup: z.strictObject({
    /** Days an hourly recovery point is kept (source and copies); unset: the profile's. */
    hourlyRetentionDays: count(1, 35).optional(),
    /** Days a daily recovery point is kept (source and copies); unset: the profile's. */
    dailyRetentionDays: count(1, 3650).optional(),
    /** Primary-account region holding the cross-region copies; unset: the first database secondary region (none: no cross-region copy). */
    copyRegion: region.optional(),
    /** The Organization both accounts belong to; set: the recovery vault trusts the org, not one account. */
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'expected an AWS Organizations id such as o-a1b2c3d4e5')
      .optional(),
    /** Vault lock: every recovery point of every vault must stay between these. */
    vaultLock: z.strictObject({
      minRetentionDays: count(1, 36500),
      maxRetentionDays: count(1, 36500),
      /** Mode of the recovery account's vaults (compliance: immutable after changeableForDays); unset: the profile's. */
      recovery: z
        .discriminatedUnion('mode', [
          z.strictObject({ mode: z.literal('governance') }),
          z.strictObject({ mode: z.literal('compliance'), changeableForDays: count(3, 36500) }),
        ])
        .optional(),
    }),
  }),
  dns: z.strictObject({
    domainName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'expected a lower-case domain name'),
    /** The public hosted zone of domainName; unset: the edge stack creates one. */
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{4,31}$/, 'expected a Route 53 hosted zone id')
      .optional(),
  }),
  scheduling: z.strictObject({ timeZone }),
  ec2,
  beanstalk,
  ecs,
  serverless,
  goldenAmi,
  compliance,
  /** Monthly cost budgets, one per account (GOV-6), in US dollars. */
  budget: z.strictObject({
    /** The primary account: every engine, the data, the pipeline. */
    monthlyUsd: z.number().positive(),
    /** The recovery account: keys, vaults and replicas until a recovery runs there. */
    recoveryMonthlyUsd: z.number().positive(),
  }),
  alerts: z.strictObject({ email: z.email('expected an e-mail address').optional() }),
  tags: z.strictObject({ owner: z.string().min(1) }),
  source,
  pipeline,
  recovery,
  features: z.strictObject({
    edge: z.boolean(),
    pipeline: z.boolean(),
    goldenAmi: z.boolean(),
    compliance: z.boolean(),
    backup: z.boolean(),
    drills: z.boolean(),
  }),
});

export const estateConfigSchema = shape.superRefine((config, ctx) => {
  const problem = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message, input: config });

  if (config.accounts.primary === config.accounts.recovery) {
    problem(
      ['accounts', 'recovery'],
      'expected an account other than accounts.primary (account loss is the point)',
    );
  }

  const owner = new Map<AwsRegion, EngineKind>();
  for (const kind of Object.keys(ENGINE_KINDS) as EngineKind[]) {
    const { enabled, regions } = config.engines[kind];
    if (!enabled) continue;
    regions.forEach((r, i) => {
      if (regions.indexOf(r) !== i) {
        problem(['engines', kind, 'regions', i], `${r} is listed twice`);
        return;
      }
      const other = owner.get(r);
      if (other === undefined) {
        owner.set(r, kind);
      } else if (ENGINE_KINDS[kind].exclusive || ENGINE_KINDS[other].exclusive) {
        const needy = ENGINE_KINDS[kind].exclusive ? kind : other;
        problem(
          ['engines', kind, 'regions', i],
          `${r} already runs engines.${other}; ${needy} needs a region of its own (one regional endpoint per region in weighted DNS)`,
        );
      }
    });
  }
  if (config.engines.fleet.enabled && config.engines.fleet.regions.some((r) => r !== config.homeRegion)) {
    problem(['engines', 'fleet', 'regions'], `expected only the home region (${config.homeRegion})`);
  }

  const { asg } = config.ec2;
  if (asg.minCapacity > asg.maxCapacity) {
    problem(['ec2', 'asg', 'minCapacity'], `expected at most maxCapacity (${asg.maxCapacity})`);
  }
  (['normalCapacity', 'peakCapacity'] as const).forEach((key) => {
    if (asg.minCapacity <= asg.maxCapacity && (asg[key] < asg.minCapacity || asg[key] > asg.maxCapacity)) {
      problem(
        ['ec2', 'asg', key],
        `expected between minCapacity and maxCapacity (${asg.minCapacity}-${asg.maxCapacity})`,
      );
    }
  });
  if (config.ecs.minTasks > config.ecs.maxTasks) {
    problem(['ecs', 'minTasks'], `expected at most maxTasks (${config.ecs.maxTasks})`);
  }
  if (config.beanstalk.minInstances > config.beanstalk.maxInstances) {
    problem(
      ['beanstalk', 'minInstances'],
      `expected at most maxInstances (${config.beanstalk.maxInstances})`,
    );
  }
  if (asg.peakStart === asg.peakEnd) {
    problem(['ec2', 'asg', 'peakEnd'], 'expected a time other than peakStart');
  }

  config.database.secondaryRegions.forEach((r, i) => {
    if (r === config.homeRegion) {
      problem(
        ['database', 'secondaryRegions', i],
        'expected a region other than homeRegion (it holds the primary)',
      );
    } else if (config.database.secondaryRegions.indexOf(r) !== i) {
      problem(['database', 'secondaryRegions', i], `${r} is listed twice`);
    }
  });
  const { capacity } = config.database;
  if (capacity !== undefined && capacity.minAcu > capacity.maxAcu) {
    problem(['database', 'capacity', 'minAcu'], `expected at most maxAcu (${capacity.maxAcu})`);
  }

  for (const [path, message] of backupProblems(config)) problem(path, message);
  if (
    config.features.goldenAmi &&
    config.accounts.recovery !== undefined &&
    goldenImageRegions(config).includes(config.recoveryRegion)
  ) {
    problem(
      ['recoveryRegion'],
      `expected a region without an EC2 engine while features.goldenAmi is on: the golden AMI's copy for the recovery account and the primary account's image in ${config.recoveryRegion} would need two keys in one distribution`,
    );
  }

  // Each account's home region judges customer managed policies (GOV-3), which Config must record there.
  if (config.features.compliance) {
    for (const key of ['homeRegion', 'recoveryRegion'] as const) {
      if (REGIONS_WITHOUT_GLOBAL_IAM_RECORDING.includes(config[key])) {
        problem(
          [key],
          `AWS Config cannot record IAM policies in ${config[key]} (a region it opened after February 2022), so the administrator-policy rule (GOV-3) cannot run there; choose a region such as us-east-1, or turn features.compliance off`,
        );
      }
    }
  }
  for (const [path, message] of waveProblems(config)) problem(path, message);
  const { bakeMinutes, canary } = config.pipeline;
  if (canary.enabled && bakeMinutes > 0 && canary.intervalMinutes >= bakeMinutes) {
    problem(
      ['pipeline', 'canary', 'intervalMinutes'],
      `${canary.intervalMinutes} minutes is not shorter than the ${bakeMinutes}-minute bake: a wave could pass its bake before a canary runs`,
    );
  }

  for (const r of new Set([...primaryRegions(config), config.recoveryRegion])) {
    if (config.regions[r] === undefined) {
      problem(
        ['regions', r],
        `missing: ${r} is used by the topology; give its availabilityZones and vpcCidr`,
      );
    }
  }
  const cidrs = new Map<string, string>();
  for (const [r, settings] of Object.entries(config.regions)) {
    if (settings === undefined) continue;
    settings.availabilityZones.forEach((az, i) => {
      if (!az.startsWith(r) || az.length !== r.length + 1) {
        problem(['regions', r, 'availabilityZones', i], `expected an AZ of ${r} (such as ${r}a), got ${az}`);
      }
    });
    const clash = cidrs.get(settings.vpcCidr);
    if (clash !== undefined) {
      problem(['regions', r, 'vpcCidr'], `${settings.vpcCidr} is already the range of ${clash}`);
    }
    cidrs.set(settings.vpcCidr, r);
  }

  if (config.deploy) {
    (['primary', 'recovery'] as const).forEach((role) => {
      const account = config.accounts[role];
      if (account !== undefined && PLACEHOLDER_ACCOUNTS.includes(account)) {
        problem(['accounts', role], 'expected a real account id when deploy is true (this is a placeholder)');
      }
    });
    if (PLACEHOLDER_DOMAIN.test(config.dns.domainName)) {
      problem(['dns', 'domainName'], 'expected a domain you own when deploy is true (this is a placeholder)');
    }
  }
});

/** The validated topology every stack is built from. */
export type EstateConfig = z.infer<typeof shape>;

/** Regions of the primary account that hold something, home region first. */
export function primaryRegions(config: EstateConfig): AwsRegion[] {
  const regions = new Set<AwsRegion>([config.homeRegion]);
  for (const kind of Object.keys(ENGINE_KINDS) as EngineKind[]) {
    const e = config.engines[kind];
    if (e.enabled) for (const r of e.regions) regions.add(r);
  }
  if (config.database.enabled) for (const r of config.database.secondaryRegions) regions.add(r);
  return [...regions];
}

/**
 * Regions of the primary account that receive the golden AMI: the home region (where it is built), then
 * every region running an EC2 engine (fleet or asg).
 */
export function goldenImageRegions(config: EstateConfig): AwsRegion[] {
  const regions = new Set<AwsRegion>([config.homeRegion]);
  for (const kind of ['fleet', 'asg'] as const) {
    const e = config.engines[kind];
    if (e.enabled) for (const r of e.regions) regions.add(r);
  }
  return [...regions];
}

/**
 * The backup section against the topology and the profile: the copy region must have an estate key of
 * the primary account, and every rule's retention must fit the vault lock (a locked vault fails a backup
 * or copy job whose retention lies outside its range).
 */
function backupProblems(config: EstateConfig): [(string | number)[], string][] {
  if (!config.features.backup || !config.database.enabled) return [];
  const found: [(string | number)[], string][] = [];
  const copyRegion = backupCopyRegion(config);
  // Undefined (no secondary region to default to): the recovery account's vault is the only copy.
  if (copyRegion === config.homeRegion) {
    found.push([
      ['backup', 'copyRegion'],
      'expected a region other than homeRegion (the copy must survive it)',
    ]);
  } else if (copyRegion !== undefined && !primaryRegions(config).includes(copyRegion)) {
    found.push([
      ['backup', 'copyRegion'],
      `expected a region of the primary account's topology, not ${copyRegion}`,
    ]);
  }
  const { minRetentionDays, maxRetentionDays } = config.backup.vaultLock;
  if (minRetentionDays >= maxRetentionDays) {
    found.push([
      ['backup', 'vaultLock', 'minRetentionDays'],
      `expected less than maxRetentionDays (${maxRetentionDays}), as AWS Backup requires`,
    ]);
    return found;
  }
  const retention = backupRetention(config);
  for (const rule of ['hourly', 'daily'] as const) {
    const days = retention[rule];
    if (days < minRetentionDays || days > maxRetentionDays) {
      found.push([
        ['backup', `${rule}RetentionDays`],
        `${days} days is outside the vault lock (${minRetentionDays}-${maxRetentionDays} days): the vaults would refuse these recovery points`,
      ]);
    }
  }
  return found;
}

/** The regions of the engines other than the home region, in the order the engines list them. */
export function releaseRegions(config: EstateConfig): AwsRegion[] {
  const regions = new Set<AwsRegion>();
  for (const kind of Object.keys(ENGINE_KINDS) as EngineKind[]) {
    const e = config.engines[kind];
    if (e.enabled) for (const r of e.regions) if (r !== config.homeRegion) regions.add(r);
  }
  return [...regions];
}

/** The configured waves must release every engine region outside the home region exactly once. */
function waveProblems(config: EstateConfig): [(string | number)[], string][] {
  const { waves } = config.pipeline;
  if (waves === undefined) return [];
  const found: [(string | number)[], string][] = [];
  const expected = releaseRegions(config);
  const seen = new Set<AwsRegion>();
  waves.forEach((wave, i) => {
    wave.forEach((r, j) => {
      const path = ['pipeline', 'waves', i, j];
      if (r === config.homeRegion) found.push([path, `${r} is the home region: its waves come first`]);
      else if (!expected.includes(r)) found.push([path, `${r} runs no engine`]);
      else if (seen.has(r)) found.push([path, `${r} is released twice`]);
      seen.add(r);
    });
  });
  const missing = expected.filter((r) => !seen.has(r));
  if (missing.length > 0)
    found.push([['pipeline', 'waves'], `missing engine regions: ${missing.join(', ')}`]);
  return found;
}

/** Where the cross-region copies go: the configured region, else the first database secondary region. */
export function backupCopyRegion(config: EstateConfig): AwsRegion | undefined {
  return config.backup.copyRegion ?? config.database.secondaryRegions.find((r) => r !== config.homeRegion);
}

/** Days the hourly and daily recovery points are kept: the config's, else the profile's. */
export function backupRetention(config: EstateConfig): { hourly: number; daily: number } {
  const profile = PROFILES[config.profile].backup;
  return {
    hourly: config.backup.hourlyRetentionDays ?? profile.hourlyRetentionDays,
    daily: config.backup.dailyRetentionDays ?? profile.dailyRetentionDays,
  };
}

/** The lock of the recovery account's vaults: the config's, else the profile's. */
export function recoveryVaultLock(config: EstateConfig): RecoveryVaultLock {
  return config.backup.vaultLock.recovery ?? PROFILES[config.profile].backup.recoveryVaultLock;
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
