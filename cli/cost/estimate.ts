// What the synthesized estate costs to keep running, read resource by resource from its templates and priced
// from the dated table. A resource type the table does not know is listed as unpriced, never counted as free.
import { retainedResources } from '../teardown/plan.ts';
import type { PriceTable } from './prices.ts';

/** A template resource as far as the estimate reads it. */
export interface CostResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
}

/** One synthesized stack. */
export interface CostStackInput {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: { readonly Resources?: Readonly<Record<string, CostResource>> };
}

/** What one resource costs an hour, in normal hours and at the daily peak. */
export interface CostLine {
  readonly logicalId: string;
  readonly type: string;
  /** What is billed, e.g. `5 × t3.micro + 16 GB gp3 each`. */
  readonly what: string;
  readonly normal: number;
  readonly peak: number;
}

export interface StackCost {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly normal: number;
  readonly peak: number;
  /** Resources billed only by use, by type, with what they bill by. */
  readonly usageOnly: ReadonlyMap<string, string>;
  /** Resources the table cannot price, with the reason. */
  readonly unpriced: readonly {
    readonly logicalId: string;
    readonly type: string;
    readonly reason: string;
  }[];
}

/** What stays billing after `npm run teardown` (without --delete-snapshots), per month. */
export interface Leftover {
  readonly stack: string;
  readonly what: string;
  readonly monthly: number;
  /** Days it bills before it goes by itself; undefined: until someone deletes it. */
  readonly days?: number;
}

export interface CostEstimate {
  readonly compiled: string;
  readonly stacks: readonly StackCost[];
  /** Hours a day at peak capacity: the Auto Scaling schedule's evening window (0 without one). */
  readonly peakHours: number;
  readonly normal: number;
  readonly peak: number;
  readonly day: number;
  readonly leftovers: readonly Leftover[];
}

type Priced =
  | { readonly kind: 'line'; readonly what: string; readonly normal: number; readonly peak?: number }
  | { readonly kind: 'unpriced'; readonly reason: string };

interface Context {
  readonly prices: PriceTable;
  readonly stack: CostStackInput;
  readonly resources: Readonly<Record<string, CostResource>>;
  /** EC2 instances per `account/region` over the estate, normal and peak (for per-instance services). */
  readonly instances: ReadonlyMap<string, { normal: number; peak: number }>;
}

type Pricer = (resource: CostResource, ctx: Context) => Priced;

const props = (r: CostResource | undefined): Record<string, unknown> =>
  (r?.Properties ?? {}) as Record<string, unknown>;
const num = (value: unknown, fallback: number): number => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
};
const refTarget = (value: unknown, ctx: Context): CostResource | undefined => {
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  return typeof ref === 'string' ? ctx.resources[ref] : undefined;
};

function regional(
  table: Readonly<Record<string, number>> | undefined,
  ctx: Context,
  name: string,
): number | string {
  const price = table?.[ctx.stack.region];
  return price ?? `no ${name} price for ${ctx.stack.region} in the table`;
}

function line(what: string, normal: number, peak = normal): Priced {
  return { kind: 'line', what, normal, peak };
}

function unpriced(reason: string): Priced {
  return { kind: 'unpriced', reason };
}

function monthly(ctx: Context, amount: number): number {
  return amount / ctx.prices.hoursPerMonth;
}

/** Instance type and root volume size of a launch template, or the instance's own settings. */
function launchSettings(resource: CostResource, ctx: Context): { type: unknown; volumeGb: number } {
  const template = props(
    refTarget((props(resource).LaunchTemplate as Record<string, unknown>)?.LaunchTemplateId, ctx),
  );
  const data = (template.LaunchTemplateData ?? {}) as Record<string, unknown>;
  const mappings = (data.BlockDeviceMappings ?? props(resource).BlockDeviceMappings ?? []) as {
    Ebs?: { VolumeSize?: unknown };
  }[];
  const volumeGb = mappings.reduce((sum, m) => sum + num(m.Ebs?.VolumeSize, 0), 0);
  return {
    type: props(resource).InstanceType ?? data.InstanceType,
    volumeGb: volumeGb || ctx.prices.usage.defaultVolumeGb,
  };
}

function instances(
  count: { normal: number; peak: number },
  type: unknown,
  volumeGb: number,
  ctx: Context,
): Priced {
  if (typeof type !== 'string') return unpriced('instance type not in the template');
  const hour = regional(ctx.prices.regional.instanceHour[type], ctx, type);
  if (typeof hour === 'string') return unpriced(hour);
  const each = hour + monthly(ctx, volumeGb * ctx.prices.flat.ebsGp3GbMonth);
  const what = `${count.normal}${count.peak !== count.normal ? `-${count.peak}` : ''} × ${type} + ${volumeGb} GB gp3`;
  return line(what, count.normal * each, count.peak * each);
}

/** ASG: desired capacity in normal hours, the highest scheduled capacity at the peak. */
const autoScalingGroup: Pricer = (resource, ctx) => {
  const p = props(resource);
  const normal = num(p.DesiredCapacity, num(p.MinSize, 0));
  const id = Object.entries(ctx.resources).find(([, r]) => r === resource)?.[0];
  const scheduled = Object.values(ctx.resources)
    .filter((r) => r.Type === 'AWS::AutoScaling::ScheduledAction')
    .filter((r) => (props(r).AutoScalingGroupName as { Ref?: string })?.Ref === id)
    .map((r) => num(props(r).DesiredCapacity, normal));
  const { type, volumeGb } = launchSettings(resource, ctx);
  return instances({ normal, peak: Math.max(normal, ...scheduled) }, type, volumeGb, ctx);
};

const ec2Instance: Pricer = (resource, ctx) => {
  const { type, volumeGb } = launchSettings(resource, ctx);
  return instances({ normal: 1, peak: 1 }, type, volumeGb, ctx);
};

/** Beanstalk: its Auto Scaling group (MinSize normally, MaxSize at the peak) and its load balancer. */
const beanstalkEnvironment: Pricer = (resource, ctx) => {
  const options = (props(resource).OptionSettings ?? []) as {
    Namespace: string;
    OptionName: string;
    Value?: unknown;
  }[];
  const option = (namespace: string, name: string) =>
    options.find((o) => o.Namespace === namespace && o.OptionName === name)?.Value;
  const type =
    String(option('aws:ec2:instances', 'InstanceTypes') ?? '').split(',')[0] ||
    option('aws:autoscaling:launchconfiguration', 'InstanceType');
  const count = {
    normal: num(option('aws:autoscaling:asg', 'MinSize'), 1),
    peak: num(option('aws:autoscaling:asg', 'MaxSize'), 4),
  };
  const fleet = instances(count, type, ctx.prices.usage.defaultVolumeGb, ctx);
  if (fleet.kind === 'unpriced') return fleet;
  const environmentType = option('aws:elasticbeanstalk:environment', 'EnvironmentType');
  if (environmentType === 'SingleInstance') return fleet;
  const balancer = regional(ctx.prices.regional.loadBalancerHour, ctx, 'load balancer');
  if (typeof balancer === 'string') return unpriced(balancer);
  const subnets =
    String(option('aws:ec2:vpc', 'ELBSubnets') ?? '')
      .split(',')
      .filter(Boolean).length || 2;
  const extra = balancer + subnets * ctx.prices.flat.publicIpv4Hour;
  return line(
    `${fleet.what}, load balancer with ${subnets} public IPv4`,
    fleet.normal + extra,
    (fleet.peak ?? fleet.normal) + extra,
  );
};

const loadBalancer: Pricer = (resource, ctx) => {
  const p = props(resource);
  const hour = regional(ctx.prices.regional.loadBalancerHour, ctx, 'load balancer');
  if (typeof hour === 'string') return unpriced(hour);
  const subnets = ((p.Subnets ?? p.SubnetMappings ?? []) as unknown[]).length;
  const publicIps = p.Scheme === 'internal' ? 0 : subnets;
  return line(
    `${p.Type ?? 'application'} load balancer, ${publicIps} public IPv4`,
    hour + publicIps * ctx.prices.flat.publicIpv4Hour,
  );
};

const interfaceEndpoint: Pricer = (resource, ctx) => {
  const p = props(resource);
  if (p.VpcEndpointType !== 'Interface') return line('gateway endpoint', 0);
  const hour = regional(ctx.prices.regional.interfaceEndpointAzHour, ctx, 'endpoint');
  if (typeof hour === 'string') return unpriced(hour);
  const azs = ((p.SubnetIds ?? []) as unknown[]).length || 1;
  return line(`interface endpoint in ${azs} AZ`, azs * hour);
};

/** Aurora Serverless v2: each instance bills its cluster's minimum ACUs, up to the maximum under load. */
const databaseInstance: Pricer = (resource, ctx) => {
  const p = props(resource);
  if (p.DBInstanceClass !== 'db.serverless')
    return unpriced(`instance class ${String(p.DBInstanceClass)} not in the table`);
  const cluster = props(refTarget(p.DBClusterIdentifier, ctx));
  const scaling = (cluster.ServerlessV2ScalingConfiguration ?? {}) as Record<string, unknown>;
  const acu = regional(ctx.prices.regional.auroraServerlessAcuHour, ctx, 'Aurora ACU');
  if (typeof acu === 'string') return unpriced(acu);
  const min = num(scaling.MinCapacity, 0.5);
  const max = num(scaling.MaxCapacity, min);
  return line(`Aurora Serverless v2, ${min}-${max} ACU`, min * acu, max * acu);
};

const databaseCluster: Pricer = (_, ctx) =>
  line(
    `${ctx.prices.usage.dataGb} GB of Aurora storage`,
    monthly(ctx, ctx.prices.usage.dataGb * ctx.prices.flat.auroraStorageGbMonth),
  );

/** Fargate: desired tasks normally, the scalable target's maximum at the peak. */
const ecsService: Pricer = (resource, ctx) => {
  const p = props(resource);
  const task = props(refTarget(p.TaskDefinition, ctx));
  const architecture = String((task.RuntimePlatform as Record<string, unknown>)?.CpuArchitecture ?? 'X86_64');
  const vcpu = regional(ctx.prices.regional.fargateVcpuHour[architecture], ctx, `Fargate ${architecture}`);
  const gb = regional(ctx.prices.regional.fargateGbHour[architecture], ctx, `Fargate ${architecture}`);
  if (typeof vcpu === 'string') return unpriced(vcpu);
  if (typeof gb === 'string') return unpriced(gb);
  const target = Object.values(ctx.resources).find(
    (r) =>
      r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
      props(r).ScalableDimension === 'ecs:service:DesiredCount',
  );
  const normal = num(p.DesiredCount, num(props(target).MinCapacity, 1));
  const peak = Math.max(normal, num(props(target).MaxCapacity, normal));
  const cpu = num(task.Cpu, 256) / 1024;
  const memory = num(task.Memory, 512) / 1024;
  const each = cpu * vcpu + memory * gb;
  return line(
    `${normal}-${peak} Fargate tasks, ${cpu} vCPU ${memory} GB ${architecture}`,
    normal * each,
    peak * each,
  );
};

/** Provisioned concurrency on an alias or version: billed every second, used or not. */
const provisionedConcurrency: Pricer = (resource, ctx) => {
  const p = props(resource);
  const environments = num(
    (p.ProvisionedConcurrencyConfig as Record<string, unknown>)?.ProvisionedConcurrentExecutions,
    0,
  );
  if (environments === 0) return line('no provisioned concurrency', 0);
  const fn = props(refTarget(p.FunctionName, ctx));
  const memoryGb = num(fn.MemorySize, 128) / 1024;
  const architecture = ((fn.Architectures ?? ['x86_64']) as string[])[0] ?? 'x86_64';
  const price = ctx.prices.flat.lambdaProvisionedGbSecond[architecture];
  if (price === undefined) return unpriced(`no provisioned concurrency price for ${architecture}`);
  return line(
    `${environments} provisioned environments of ${memoryGb} GB`,
    environments * memoryGb * price * 3600,
  );
};

const healthCheck: Pricer = (resource, ctx) => {
  const config = (props(resource).HealthCheckConfig ?? {}) as Record<string, unknown>;
  const type = String(config.Type ?? '');
  const options = [
    type.startsWith('HTTPS') && 'HTTPS',
    type.endsWith('STR_MATCH') && 'string matching',
    num(config.RequestInterval, 30) === 10 && 'fast interval',
    config.MeasureLatency === true && 'latency',
  ].filter((o): o is string => typeof o === 'string');
  const { healthCheckMonth, healthCheckOptionMonth } = ctx.prices.flat;
  return line(
    `health check ${type}${options.length > 0 ? ` (${options.join(', ')})` : ''}`,
    monthly(ctx, healthCheckMonth + options.length * healthCheckOptionMonth),
  );
};

const alarm: Pricer = (resource, ctx) => {
  const p = props(resource);
  const metrics =
    ((p.Metrics ?? []) as { MetricStat?: unknown }[]).filter((m) => m.MetricStat !== undefined).length || 1;
  const highResolution = num(p.Period, 60) < 60;
  const each = highResolution
    ? ctx.prices.flat.highResolutionAlarmMetricMonth
    : ctx.prices.flat.alarmMetricMonth;
  return line(`alarm on ${metrics} metric${metrics === 1 ? '' : 's'}`, monthly(ctx, metrics * each));
};

/** Runs an hour of `rate(n minutes|hours)`; 0 for a canary that runs once. */
function runsPerHour(expression: unknown): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(String(expression));
  if (match === null) return undefined;
  const n = Number(match[1]);
  if (n === 0) return 0;
  return match[2]?.startsWith('minute') ? 60 / n : 1 / n;
}

const canary: Pricer = (resource, ctx) => {
  const expression = (props(resource).Schedule as Record<string, unknown>)?.Expression;
  const runs = runsPerHour(expression);
  if (runs === undefined) return unpriced(`schedule ${String(expression)} not read`);
  return line(`canary ${String(expression)}`, runs * ctx.prices.flat.canaryRun);
};

/** Builds a day of an Image Builder cron: daily, on listed weekdays, or on a day of the month. */
function buildsPerDay(expression: unknown): number | undefined {
  const fields = /^cron\((.+)\)$/.exec(String(expression))?.[1]?.trim().split(/\s+/);
  if (fields === undefined || fields.length < 5) return undefined;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if (dayOfWeek !== undefined && !['*', '?'].includes(dayOfWeek)) return dayOfWeek.split(',').length / 7;
  if (dayOfMonth !== undefined && !['*', '?'].includes(dayOfMonth)) return 1 / 30;
  return 1;
}

const imagePipeline: Pricer = (resource, ctx) => {
  const p = props(resource);
  const schedule = (p.Schedule as Record<string, unknown>)?.ScheduleExpression;
  if (schedule === undefined) return line('image pipeline run by hand', 0);
  const perDay = buildsPerDay(schedule);
  if (perDay === undefined) return unpriced(`schedule ${String(schedule)} not read`);
  const infrastructure = props(refTarget(p.InfrastructureConfigurationArn, ctx));
  const type = ((infrastructure.InstanceTypes ?? ['m5.large']) as string[])[0] ?? 'm5.large';
  const hour = regional(ctx.prices.regional.instanceHour[type], ctx, type);
  if (typeof hour === 'string') return unpriced(hour);
  const minutes = ctx.prices.usage.imageBuildMinutes;
  return line(
    `${perDay.toFixed(2)} builds a day, ${minutes} min on ${type}`,
    (perDay * minutes * hour) / 60 / 24,
  );
};

const pipeline: Pricer = (resource, ctx) => {
  if (props(resource).PipelineType !== 'V2')
    return line('V1 pipeline', monthly(ctx, ctx.prices.flat.pipelineV1Month));
  const minutes = ctx.prices.usage.pipelineActionMinutesPerDay;
  return line(
    `V2 pipeline, ${minutes} action-minutes a day`,
    (minutes * ctx.prices.flat.pipelineV2ActionMinute) / 24,
  );
};

const buildProject: Pricer = (resource, ctx) => {
  const environment = (props(resource).Environment ?? {}) as Record<string, unknown>;
  const kind = `${String(environment.Type)}/${String(environment.ComputeType)}`;
  const price = ctx.prices.flat.buildMinute[kind];
  if (price === undefined) return unpriced(`build environment ${kind} not in the table`);
  const minutes = ctx.prices.usage.buildMinutesPerProjectPerDay;
  return line(`${kind}, ${minutes} build minutes a day`, (minutes * price) / 24);
};

/**
 * Inspector scans every EC2 instance of its account and region, billed once per instance: the resource
 * that enables EC2 scanning carries it; the ECR and Lambda scan types bill per image and function pushed
 * or changed (usage).
 */
const inspector: Pricer = (resource, ctx) => {
  const scanType = props(resource).ScanType;
  if (scanType !== undefined && scanType !== 'EC2') {
    return line(`Inspector ${String(scanType)} scanning, billed per scan (usage)`, 0);
  }
  const count = ctx.instances.get(`${ctx.stack.account}/${ctx.stack.region}`) ?? { normal: 0, peak: 0 };
  const each = monthly(ctx, ctx.prices.flat.inspectorInstanceMonth);
  return line(
    `Inspector scanning ${count.normal}-${count.peak} instances`,
    count.normal * each,
    count.peak * each,
  );
};

const perDay = (what: string, count: number, price: number): Priced =>
  line(`${count} ${what} a day`, (count * price) / 24);

const PRICERS: Readonly<Record<string, Pricer>> = {
  'AWS::EC2::NatGateway': (_, ctx) => {
    const hour = regional(ctx.prices.regional.natGatewayHour, ctx, 'NAT gateway');
    return typeof hour === 'string' ? unpriced(hour) : line('NAT gateway', hour);
  },
  'AWS::EC2::EIP': (_, ctx) => line('public IPv4 address', ctx.prices.flat.publicIpv4Hour),
  'AWS::EC2::VPCEndpoint': interfaceEndpoint,
  'AWS::EC2::Instance': ec2Instance,
  'AWS::AutoScaling::AutoScalingGroup': autoScalingGroup,
  'AWS::ElasticBeanstalk::Environment': beanstalkEnvironment,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': loadBalancer,
  'AWS::RDS::DBInstance': databaseInstance,
  'AWS::RDS::DBCluster': databaseCluster,
  'AWS::ECS::Service': ecsService,
  'AWS::Lambda::Alias': provisionedConcurrency,
  'AWS::Lambda::Version': provisionedConcurrency,
  'AWS::KMS::Key': (_, ctx) => line('KMS key', monthly(ctx, ctx.prices.flat.kmsKeyMonth)),
  'AWS::SecretsManager::Secret': (resource, ctx) => {
    const copies = 1 + ((props(resource).ReplicaRegions ?? []) as unknown[]).length;
    return line(
      `secret in ${copies} region${copies === 1 ? '' : 's'}`,
      monthly(ctx, copies * ctx.prices.flat.secretMonth),
    );
  },
  'AWS::CloudWatch::Alarm': alarm,
  'AWS::CloudWatch::CompositeAlarm': (_, ctx) =>
    line('composite alarm', monthly(ctx, ctx.prices.flat.compositeAlarmMonth)),
  'AWS::SSM::Parameter': (resource, ctx) =>
    props(resource).Tier === 'Advanced'
      ? line('advanced parameter', monthly(ctx, ctx.prices.flat.advancedParameterMonth))
      : line('standard parameter', 0),
  'AWS::Route53::HostedZone': (_, ctx) => line('hosted zone', monthly(ctx, ctx.prices.flat.hostedZoneMonth)),
  'AWS::Route53::HealthCheck': healthCheck,
  'AWS::Config::ConfigurationRecorder': (_, ctx) =>
    perDay('configuration items', ctx.prices.usage.configItemsPerRecorderPerDay, ctx.prices.flat.configItem),
  'AWS::Config::ConfigRule': (_, ctx) =>
    perDay(
      'rule evaluations',
      ctx.prices.usage.evaluationsPerRulePerDay,
      ctx.prices.flat.configRuleEvaluation,
    ),
  'AWS::Config::ConformancePack': (_, ctx) =>
    perDay(
      'conformance pack evaluations',
      ctx.prices.usage.evaluationsPerConformancePackPerDay,
      ctx.prices.flat.conformancePackEvaluation,
    ),
  'AWS::CodePipeline::Pipeline': pipeline,
  'AWS::CodeBuild::Project': buildProject,
  'AWS::Synthetics::Canary': canary,
  'AWS::ImageBuilder::ImagePipeline': imagePipeline,
};

// Lambda-backed custom resources bill as a few invocations of their function per deploy.
const isCustomResource = (type: string) =>
  type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
const isInspector = (type: string) => /inspector/i.test(type);

function priceResource(resource: CostResource, ctx: Context): Priced | 'free' | { usage: string } {
  const pricer = PRICERS[resource.Type];
  if (pricer !== undefined) return pricer(resource, ctx);
  if (isInspector(resource.Type)) return inspector(resource, ctx);
  const usage = ctx.prices.usageOnly[resource.Type];
  if (usage !== undefined) return { usage };
  if (ctx.prices.free.includes(resource.Type) || isCustomResource(resource.Type)) return 'free';
  return unpriced('type not in the price table');
}

/** EC2 instances per account and region, for services billed per instance they watch. */
function countInstances(stacks: readonly CostStackInput[], prices: PriceTable) {
  const counts = new Map<string, { normal: number; peak: number }>();
  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    const ctx: Context = { prices, stack, resources, instances: new Map() };
    for (const resource of Object.values(resources)) {
      if (
        ![
          'AWS::EC2::Instance',
          'AWS::AutoScaling::AutoScalingGroup',
          'AWS::ElasticBeanstalk::Environment',
        ].includes(resource.Type)
      )
        continue;
      const priced = PRICERS[resource.Type]?.(resource, ctx);
      const match = priced?.kind === 'line' ? /^(\d+)(?:-(\d+))? ×/.exec(priced.what) : null;
      if (match === null) continue;
      const key = `${stack.account}/${stack.region}`;
      const found = counts.get(key) ?? { normal: 0, peak: 0 };
      counts.set(key, {
        normal: found.normal + Number(match[1]),
        peak: found.peak + Number(match[2] ?? match[1]),
      });
    }
  }
  return counts;
}

/** Hours between the scale-up and the scale-down of the first ASG schedule (the evening peak). */
function peakHoursOf(stacks: readonly CostStackInput[]): number {
  for (const stack of stacks) {
    const scheduled = Object.values(stack.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::AutoScaling::ScheduledAction')
      .map((r) => ({
        desired: num(props(r).DesiredCapacity, 0),
        hour: Number(String(props(r).Recurrence).split(/\s+/)[1]),
      }))
      .filter((s) => Number.isInteger(s.hour))
      .sort((a, b) => b.desired - a.desired);
    const [up, down] = scheduled;
    if (up !== undefined && down !== undefined) return (down.hour - up.hour + 24) % 24;
  }
  return 0;
}

function leftoversOf(stacks: readonly CostStackInput[], prices: PriceTable): Leftover[] {
  const found: Leftover[] = [];
  const storage = prices.usage.dataGb * prices.flat.snapshotGbMonth;
  const retained = stacks.map((stack) => ({
    stack,
    kept: retainedResources({ ...stack, dependsOn: [], template: stack.template }),
  }));
  // The teardown keeps every key of a region that still holds kept data: it may encrypt it.
  const protectedSites = new Set<string>();
  for (const { stack, kept } of retained) {
    for (const r of kept) {
      const lock = props(stack.template.Resources?.[r.logicalId]).LockConfiguration as Record<
        string,
        unknown
      >;
      const what =
        r.kind === 'cluster'
          ? `final snapshot of ${r.logicalId} (${prices.usage.dataGb} GB) until deleted (--delete-snapshots)`
          : r.kind === 'vault' && lock?.ChangeableForDays !== undefined
            ? `recovery points (${prices.usage.dataGb} GB) of the compliance-locked vault ${r.logicalId} until they expire`
            : undefined;
      if (what === undefined) continue;
      found.push({ stack: stack.name, what, monthly: storage });
      protectedSites.add(`${stack.account}/${stack.region}`);
    }
  }
  for (const { stack, kept } of retained) {
    for (const r of kept.filter((k) => k.kind === 'key')) {
      const keptKey = protectedSites.has(`${stack.account}/${stack.region}`);
      found.push({
        stack: stack.name,
        what: keptKey
          ? `KMS key ${r.logicalId}, kept while it encrypts kept data`
          : `KMS key ${r.logicalId}, until its deletion 7 days after the teardown schedules it`,
        monthly: prices.flat.kmsKeyMonth,
        ...(keptKey ? {} : { days: 7 }),
      });
    }
  }
  return found;
}

/** The estate's cost per stack and in total, from its synthesized templates. */
export function estimateCost(stacks: readonly CostStackInput[], prices: PriceTable): CostEstimate {
  const instances = countInstances(stacks, prices);
  const costs = stacks.map((stack): StackCost => {
    const resources = stack.template.Resources ?? {};
    const ctx: Context = { prices, stack, resources, instances };
    const lines: CostLine[] = [];
    const usageOnly = new Map<string, string>();
    const missing: { logicalId: string; type: string; reason: string }[] = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
      const priced = priceResource(resource, ctx);
      if (priced === 'free') continue;
      if ('usage' in priced) usageOnly.set(resource.Type, priced.usage);
      else if (priced.kind === 'unpriced')
        missing.push({ logicalId, type: resource.Type, reason: priced.reason });
      else if (priced.normal > 0 || (priced.peak ?? 0) > 0)
        lines.push({
          logicalId,
          type: resource.Type,
          what: priced.what,
          normal: priced.normal,
          peak: priced.peak ?? priced.normal,
        });
    }
    return {
      name: stack.name,
      account: stack.account,
      region: stack.region,
      lines,
      normal: lines.reduce((sum, l) => sum + l.normal, 0),
      peak: lines.reduce((sum, l) => sum + l.peak, 0),
      usageOnly,
      unpriced: missing,
    };
  });
  const peakHours = peakHoursOf(stacks);
  const normal = costs.reduce((sum, s) => sum + s.normal, 0);
  const peak = costs.reduce((sum, s) => sum + s.peak, 0);
  return {
    compiled: prices.compiled,
    stacks: costs,
    peakHours,
    normal,
    peak,
    day: dayOf(normal, peak, peakHours),
    leftovers: leftoversOf(stacks, prices),
  };
}

/** A day: normal capacity outside the daily peak, peak capacity during it. */
export function dayOf(normal: number, peak: number, peakHours: number): number {
  return normal * (24 - peakHours) + peak * peakHours;
}
