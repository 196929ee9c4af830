// The DR posture report (OPS-3): RPO and RTO per failure scenario, read from the synthesized templates.
// Every figure is computed from a resource or property of a template and names it; what a template cannot
// say (how long a restore takes, a schedule this parser does not read) is printed as such, never guessed.

import type { ProfileSettings } from '../infra/config/index.ts';
import { answerTtl, evaluateDns, recordsOfTemplates } from '../infra/lib/constructs/traffic/dns-evaluator.ts';
import { DRILL_LOG, type DrillLogEntry } from './drill/log.ts';

/** A CloudFormation template, as far as this report reads it. */
export interface Template {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
}

/** One synthesized stack: what a cloud assembly gives per stack. */
export interface StackTemplate {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: Template;
}

/** The synthesized estate: its stacks in any order. */
export interface AssemblyInput {
  readonly stacks: readonly StackTemplate[];
}

/**
 * A recovery figure. `seconds` with a bound (`=` exact, `≤` at most, `≈` about) and what it leaves out;
 * `not computed` when the templates hold no number for it (a restore's duration); `unknown` when they do but
 * this report cannot read it.
 */
export type Figure =
  | {
      readonly kind: 'seconds';
      readonly seconds: number;
      readonly bound: '=' | '≤' | '≈';
      /** What comes on top and has no number in the templates, e.g. `the copy job`. */
      readonly plus?: string;
    }
  | { readonly kind: 'not computed'; readonly text: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/** One row of the report. */
export interface PostureRow {
  readonly scenario: string;
  readonly rpo: Figure;
  readonly rto: Figure;
  /** The template facts the figures come from: `stack resource property: value`. */
  readonly from: readonly string[];
  /** Fallbacks, caveats and why a figure is unknown. */
  readonly notes: readonly string[];
  /** The designed recovery, step by step, each with its time budget; the RTO is their sum. */
  readonly steps?: readonly RecoveryStep[];
}

/** One step of a designed recovery: what happens or what the operator runs, and how long it may take. */
export interface RecoveryStep {
  readonly what: string;
  readonly budget: Figure;
}

// Documented behaviour of the mechanisms the templates select; the templates say which mechanism, the
// service documentation says how fast it is (Aurora user guide: "High availability for Amazon Aurora",
// "Using Amazon Aurora global databases").
const AURORA_READER_FAILOVER_SECONDS = 60;
export const GLOBAL_DATABASE_LAG_SECONDS = 1;
export const GLOBAL_DATABASE_FAILOVER_SECONDS = 120;
// CloudFormation's defaults for AWS::Route53::HealthCheck when a property is left out.
const HEALTH_CHECK_DEFAULT_INTERVAL = 30;
const HEALTH_CHECK_DEFAULT_THRESHOLD = 3;

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

// ---------------------------------------------------------------------------------------------------------
// Schedules

/** The longest time between two runs of a schedule, or why it cannot be told. */
export type ScheduleInterval =
  | { readonly seconds: number; readonly unknown?: undefined }
  | { readonly seconds?: undefined; readonly unknown: string };

const RATE_UNITS: Readonly<Record<string, number>> = {
  minute: MINUTE,
  minutes: MINUTE,
  hour: HOUR,
  hours: HOUR,
  day: DAY,
  days: DAY,
};

/**
 * `rate(N unit)` and the AWS 6-field cron (minutes hours day-of-month month day-of-week year) with a fixed
 * minute, any hours (`*`, `5`, `*\/6`, `2/6`, `0,12`) and every day. The worst gap between two runs is what
 * bounds a recovery point, so an uneven hour list (`*\/5` wraps from 20:00 to 00:00) counts its longest gap.
 * Anything else is reported as unknown rather than approximated.
 */
export function scheduleInterval(expression: unknown): ScheduleInterval {
  if (typeof expression !== 'string')
    return { unknown: `not a literal schedule (${JSON.stringify(expression)})` };
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression);
  if (rate !== null) {
    const n = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] ?? ''];
    if (unit === undefined || n < 1) return { unknown: `cannot read ${expression}` };
    return { seconds: n * unit };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  const fields = cron?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) return { unknown: `cannot read ${expression}` };
  const [minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  const everyDay =
    ['*', '?'].includes(dayOfMonth) && month === '*' && ['*', '?'].includes(dayOfWeek) && year === '*';
  if (!/^\d+$/.test(minute) || Number(minute) > 59 || !everyDay)
    return { unknown: `cannot read ${expression} (only a fixed minute on every day is read)` };
  const hours = cronHours(hour);
  if (hours === undefined) return { unknown: `cannot read the hours of ${expression}` };
  // The gap from each run to the next, the last one wrapping round to the first of the next day.
  const gaps = hours.map((h, i) => ((hours[i + 1] ?? (hours[0] ?? 0) + 24) - h) * HOUR);
  return { seconds: Math.max(...gaps) };
}

/** The hours a cron hours field fires in, sorted; undefined for a form this parser does not read. */
function cronHours(field: string): number[] | undefined {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const step = /^(\*|\d+)(?:\/(\d+))?$/.exec(part);
    if (step === null) return undefined;
    const start = step[1] === '*' ? 0 : Number(step[1]);
    const every = step[2] === undefined ? (step[1] === '*' ? 1 : 24) : Number(step[2]);
    if (start > 23 || every < 1) return undefined;
    for (let h = start; h < 24; h += every) hours.add(h);
  }
  return [...hours].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------
// Reading templates

interface Found {
  readonly stack: StackTemplate;
  readonly id: string;
  readonly resource: TemplateResource;
}

function resources(input: AssemblyInput, type: string): Found[] {
  return input.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id, resource]) => ({ stack, id, resource })),
  );
}

function prop(found: Found, name: string): unknown {
  return found.resource.Properties?.[name];
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `Hello-Data-us-east-1 DatabaseCluster5B53A178 Engine: aurora-postgresql`. */
function fact(found: Found, detail: string): string {
  return `${found.stack.name} ${found.id} ${detail}`;
}

/** Whether `value` is `{ Ref: id }` or `{ "Fn::GetAtt": [id, …] }`. */
function pointsAt(value: unknown, id: string): boolean {
  const v = record(value);
  return v.Ref === id || list(v['Fn::GetAtt'])[0] === id;
}

function dependsOn(found: Found): readonly string[] {
  const d = found.resource.DependsOn;
  return d === undefined ? [] : typeof d === 'string' ? [d] : d;
}

interface VaultArn {
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

function parseVaultArn(value: unknown): VaultArn | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^arn:[a-z-]+:backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)$/.exec(value);
  return m === null ? undefined : { region: m[1] ?? '', account: m[2] ?? '', name: m[3] ?? '' };
}

/** The vault resource an ARN names, if the assembly holds it. */
function vaultOf(input: AssemblyInput, arn: VaultArn): Found | undefined {
  return resources(input, 'AWS::Backup::BackupVault').find(
    (v) =>
      v.stack.account === arn.account &&
      v.stack.region === arn.region &&
      prop(v, 'BackupVaultName') === arn.name,
  );
}

/** The primary cluster: the one that is not a secondary of a global database, and its instances. */
interface HomeDatabase {
  readonly cluster: Found;
  readonly instances: readonly Found[];
  readonly global: Found | undefined;
}

function homeDatabase(input: AssemblyInput): HomeDatabase | undefined {
  const primaries = resources(input, 'AWS::RDS::DBCluster').filter(
    (c) => prop(c, 'GlobalClusterIdentifier') === undefined,
  );
  const cluster = primaries[0];
  if (cluster === undefined || primaries.length > 1) return undefined;
  const inStack = (type: string) => resources(input, type).filter((r) => r.stack === cluster.stack);
  const instances = inStack('AWS::RDS::DBInstance').filter((i) =>
    pointsAt(prop(i, 'DBClusterIdentifier'), cluster.id),
  );
  const global = inStack('AWS::RDS::GlobalCluster').find((g) =>
    JSON.stringify(prop(g, 'SourceDBClusterIdentifier') ?? '').includes(`"Ref":"${cluster.id}"`),
  );
  return { cluster, instances, global };
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

const seconds = (s: number, bound: '=' | '≤' | '≈' = '=', plus?: string): Figure =>
  plus === undefined ? { kind: 'seconds', seconds: s, bound } : { kind: 'seconds', seconds: s, bound, plus };
const unknown = (reason: string): Figure => ({ kind: 'unknown', reason });
const RESTORE: Figure = { kind: 'not computed', text: 'redeploy + restore: hours (not computed)' };

function azRow(db: HomeDatabase | undefined): PostureRow {
  if (db === undefined) {
    const reason = 'no single primary AWS::RDS::DBCluster in the templates';
    return { scenario: 'an AZ', rpo: unknown(reason), rto: unknown(reason), from: [], notes: [reason] };
  }
  const { cluster, instances } = db;
  const scenario = `an AZ (${cluster.stack.region})`;
  const engine = prop(cluster, 'Engine');
  const from = [fact(cluster, `Engine: ${String(engine)}`)];
  const notes: string[] = [];
  // Aurora keeps six copies of the cluster volume across three AZs and acknowledges a commit only on a
  // quorum, so an AZ takes no committed write with it; other engines would need their own reading.
  const aurora = typeof engine === 'string' && engine.startsWith('aurora');
  const rpo = aurora ? seconds(0) : unknown(`engine ${String(engine)} is not Aurora`);
  // CloudFormation creates the writer first: the readers depend on it, so the writer depends on no other.
  const ids = new Set(instances.map((i) => i.id));
  const writers = instances.filter((i) => !dependsOn(i).some((d) => ids.has(d)));
  const writer = writers.length === 1 ? writers[0] : undefined;
  const writerAz = writer === undefined ? undefined : prop(writer, 'AvailabilityZone');
  if (writer !== undefined) from.push(fact(writer, `(writer) AvailabilityZone: ${String(writerAz)}`));
  const readers = instances.filter((i) => i !== writer);
  const elsewhere = readers.filter((r) => {
    const az = prop(r, 'AvailabilityZone');
    // Without a pinned AZ, RDS places the reader; it may share the writer's.
    return typeof az === 'string' && typeof writerAz === 'string' && az !== writerAz;
  });
  for (const r of readers)
    from.push(
      fact(
        r,
        `(reader) AvailabilityZone: ${String(prop(r, 'AvailabilityZone'))}, PromotionTier: ${String(prop(r, 'PromotionTier') ?? 1)}`,
      ),
    );
  let rto: Figure;
  let steps: RecoveryStep[] = [];
  if (writer === undefined) {
    rto = unknown('cannot tell the writer among the instances');
    notes.push(`RTO unknown: ${instances.length} instances, none created before the others`);
  } else if (elsewhere.length > 0) {
    rto = seconds(AURORA_READER_FAILOVER_SECONDS, '≤');
    notes.push(`Aurora failover to the reader ${elsewhere.map((r) => r.id).join(', ')} in another AZ`);
    steps = [
      {
        what: `automatic: Aurora promotes the reader in ${elsewhere.map((r) => String(prop(r, 'AvailabilityZone'))).join(', ')}; the cluster endpoint follows, nothing to run`,
        budget: rto,
      },
    ];
  } else {
    rto = { kind: 'not computed', text: 'instance replacement: minutes (not computed)' };
    notes.push(
      readers.length === 0
        ? 'no reader: Aurora replaces the writer in a healthy AZ'
        : 'no reader pinned to another AZ than the writer',
    );
    steps = [{ what: 'automatic: Aurora replaces the writer in a healthy AZ', budget: rto }];
  }
  return { scenario, rpo, rto, from, notes, steps };
}

/** The most frequent backup rule that copies into one of `destinations`, with the facts it rests on. */
interface CopyPath {
  readonly rpo: Figure;
  /** The selection of the cluster, then the counted rules. */
  readonly from: readonly string[];
  /** The counted rules only. */
  readonly rules: readonly string[];
  readonly notes: readonly string[];
  /** The vaults the counted rules copy into. */
  readonly vaults: readonly Found[];
}

/**
 * Rules of the plans selecting the home cluster whose copy action lands in a vault of the assembly that
 * `accepts`. An unreadable schedule among them makes the figure unknown: it might be the most frequent.
 */
function copyPath(
  input: AssemblyInput,
  db: HomeDatabase,
  accepts: (vault: VaultArn) => boolean,
  what: string,
): CopyPath {
  const clusterArn = `:cluster:`;
  const selections = resources(input, 'AWS::Backup::BackupSelection').filter((s) => {
    const text = JSON.stringify(record(prop(s, 'BackupSelection')).Resources ?? []);
    return text.includes(clusterArn) && text.includes(`"StackName":"${db.cluster.stack.name}"`);
  });
  const plans = resources(input, 'AWS::Backup::BackupPlan').filter((p) =>
    selections.some((s) => s.stack === p.stack && pointsAt(prop(s, 'BackupPlanId'), p.id)),
  );
  if (plans.length === 0) {
    const reason = `no AWS::Backup::BackupPlan selects ${db.cluster.stack.name} ${db.cluster.id}`;
    return { rpo: unknown(reason), from: [], rules: [], notes: [reason], vaults: [] };
  }
  const selected = selections.map((s) => fact(s, `selects ${db.cluster.stack.name} ${db.cluster.id}`));
  const from: string[] = [];
  const notes: string[] = [];
  const vaults: Found[] = [];
  const counted: { rule: string; interval: ScheduleInterval }[] = [];
  for (const plan of plans) {
    for (const rule of list(record(prop(plan, 'BackupPlan')).BackupPlanRule).map(record)) {
      const name = String(rule.RuleName);
      const targets = list(rule.CopyActions)
        .map((c) => parseVaultArn(record(c).DestinationBackupVaultArn))
        .filter((arn): arn is VaultArn => arn !== undefined && accepts(arn))
        .map((arn) => ({ arn, vault: vaultOf(input, arn) }));
      const landed = targets.filter((t) => t.vault !== undefined);
      for (const t of targets)
        if (t.vault === undefined)
          notes.push(`rule ${name} copies to ${t.arn.name} in ${t.arn.account}, a vault no template creates`);
      if (landed.length === 0) continue;
      const interval = scheduleInterval(rule.ScheduleExpression);
      counted.push({ rule: name, interval });
      const into = landed.map((t) => `${t.arn.name} (${t.arn.account} ${t.arn.region})`).join(', ');
      from.push(fact(plan, `rule ${name}: ${String(rule.ScheduleExpression)}, CopyActions → ${into}`));
      for (const { vault } of landed)
        if (vault !== undefined && !vaults.some((v) => v.stack === vault.stack && v.id === vault.id))
          vaults.push(vault);
    }
  }
  const result = { from: [...selected, ...from], rules: from, vaults };
  if (counted.length === 0) {
    const reason = `no backup rule copies ${what}`;
    return { ...result, rpo: unknown(reason), notes: [...notes, reason] };
  }
  const unread = counted.filter((c) => c.interval.seconds === undefined);
  const read = counted.flatMap((c) => (c.interval.seconds === undefined ? [] : [c.interval.seconds]));
  if (unread.length > 0) {
    const bound = read.length > 0 ? ` (the other rules bound it at ${duration(Math.min(...read))})` : '';
    for (const u of unread) notes.push(`RPO unknown: rule ${u.rule}: ${u.interval.unknown}${bound}`);
    return { ...result, rpo: unknown(unread.map((u) => u.interval.unknown).join('; ')), notes };
  }
  return { ...result, rpo: seconds(Math.min(...read), '=', 'the copy job'), notes };
}

function regionRow(input: AssemblyInput, db: HomeDatabase | undefined): PostureRow {
  if (db === undefined) {
    const reason = 'no single primary AWS::RDS::DBCluster in the templates';
    return { scenario: 'a region', rpo: unknown(reason), rto: unknown(reason), from: [], notes: [reason] };
  }
  const home = db.cluster.stack;
  const scenario = `a region (${home.region})`;
  const from: string[] = [];
  const notes: string[] = [];
  const globalId = db.global === undefined ? undefined : prop(db.global, 'GlobalClusterIdentifier');
  const secondaries = resources(input, 'AWS::RDS::DBCluster').filter(
    (c) =>
      globalId !== undefined &&
      prop(c, 'GlobalClusterIdentifier') === globalId &&
      c.stack.region !== home.region,
  );
  const fallback = copyPath(input, db, (vault) => vault.region !== home.region, 'out of the home region');
  let rpo: Figure;
  let rto: Figure;
  if (db.global === undefined || secondaries.length === 0) {
    rpo = fallback.rpo;
    rto = RESTORE;
    notes.push('no global database secondary: recovery is a restore from the copied backups');
    from.push(...fallback.from);
  } else {
    from.push(fact(db.global, `GlobalClusterIdentifier: ${String(globalId)}`));
    for (const s of secondaries) from.push(fact(s, `GlobalClusterIdentifier: ${String(globalId)}`));
    // `rds.global_db_rpo` makes the primary refuse commits once the secondaries lag by more than it.
    const group = resources(input, 'AWS::RDS::DBClusterParameterGroup').find(
      (g) => g.stack === home && pointsAt(prop(db.cluster, 'DBClusterParameterGroupName'), g.id),
    );
    const bound = group === undefined ? undefined : record(prop(group, 'Parameters'))['rds.global_db_rpo'];
    if (group !== undefined && bound !== undefined && Number.isFinite(Number(bound))) {
      rpo = seconds(Number(bound), '≤');
      from.push(fact(group, `rds.global_db_rpo: ${String(bound)}`));
    } else {
      rpo = seconds(GLOBAL_DATABASE_LAG_SECONDS, '≈');
      notes.push('RPO is the storage replication lag (no rds.global_db_rpo bound in the parameter group)');
    }
    const checks = resources(input, 'AWS::Route53::HealthCheck');
    if (checks.length === 0) {
      rto = seconds(GLOBAL_DATABASE_FAILOVER_SECONDS, '≤', 'DNS failover not built yet');
      notes.push('no AWS::Route53::HealthCheck in the templates: DNS failover not built yet');
    } else {
      const detections = checks.map((c) => {
        const config = record(prop(c, 'HealthCheckConfig'));
        const interval = Number(config.RequestInterval ?? HEALTH_CHECK_DEFAULT_INTERVAL);
        const threshold = Number(config.FailureThreshold ?? HEALTH_CHECK_DEFAULT_THRESHOLD);
        from.push(fact(c, `RequestInterval: ${interval}, FailureThreshold: ${threshold}`));
        return interval * threshold;
      });
      const detection = Math.max(...detections);
      rto = seconds(GLOBAL_DATABASE_FAILOVER_SECONDS + detection, '≤', 'the record TTL');
      notes.push(`RTO: managed failover ≤ 2 min + DNS detection ${duration(detection)}`);
    }
    notes.push(
      `managed failover of the global database to ${secondaries.map((s) => s.stack.region).join(', ')}`,
    );
    notes.push(`fallback, the backup copies out of ${home.region}: RPO ${formatFigure(fallback.rpo)}`);
    from.push(...fallback.rules);
  }
  notes.push(...fallback.notes.filter((n) => !notes.includes(n)));
  notes.push(...regionLossNotes(input, home.region));
  return { scenario, rpo, rto, from, notes };
}

// The database's region lost, recovered by `npm run failover` (cli/failover.ts): the operator's budget for
// reading the lag and for the endpoint parameters to follow a role change event; the managed failover is
// Aurora's documented figure.
const LAG_CHECK_SECONDS = MINUTE;
const ENDPOINT_FOLLOW_SECONDS = MINUTE;

/** The global database's home region lost: `npm run failover` moves the writer to a secondary. */
function databaseRow(input: AssemblyInput, db: HomeDatabase | undefined): PostureRow | undefined {
  if (db === undefined || db.global === undefined) return undefined;
  const globalId = prop(db.global, 'GlobalClusterIdentifier');
  const home = db.cluster.stack;
  const secondaries = resources(input, 'AWS::RDS::DBCluster').filter(
    (c) => prop(c, 'GlobalClusterIdentifier') === globalId && c.stack.region !== home.region,
  );
  const target = secondaries[0]?.stack.region;
  if (target === undefined) return undefined;
  const from = [
    fact(db.global, `GlobalClusterIdentifier: ${String(globalId)}`),
    ...secondaries.map((s) => fact(s, `GlobalClusterIdentifier: ${String(globalId)}`)),
  ];
  const group = resources(input, 'AWS::RDS::DBClusterParameterGroup').find(
    (g) => g.stack === home && pointsAt(prop(db.cluster, 'DBClusterParameterGroupName'), g.id),
  );
  const bound = group === undefined ? undefined : record(prop(group, 'Parameters'))['rds.global_db_rpo'];
  let rpo = seconds(GLOBAL_DATABASE_LAG_SECONDS, '≈');
  if (group !== undefined && bound !== undefined && Number.isFinite(Number(bound))) {
    rpo = seconds(Number(bound), '≤');
    from.push(fact(group, `rds.global_db_rpo: ${String(bound)}`));
  }
  const steps: RecoveryStep[] = [
    {
      what: `npm run failover -- --to ${target}: reads ${target}'s replication lag, refused above the RPO without --allow-data-loss`,
      budget: seconds(LAG_CHECK_SECONDS, '≤'),
    },
    {
      what: `rds:FailoverGlobalCluster to ${target}; waits until ${target} is the writer`,
      budget: seconds(GLOBAL_DATABASE_FAILOVER_SECONDS, '≤'),
    },
    {
      what: "every region's endpoint parameter names the new writer (the role change event's function); no redeploy",
      budget: seconds(ENDPOINT_FOLLOW_SECONDS, '≤'),
    },
  ];
  return {
    scenario: `the database's region (${home.region})`,
    rpo,
    rto: seconds(LAG_CHECK_SECONDS + GLOBAL_DATABASE_FAILOVER_SECONDS + ENDPOINT_FOLLOW_SECONDS, '≤'),
    from,
    notes: ['by command: npm run failover prints each step with its time'],
    steps,
  };
}

/**
 * The account-loss runbook's budget per step (DR-3), in seconds: the report's designed RTO and what
 * `npm run recover` measures each of its steps against.
 */
export const ACCOUNT_RUNBOOK_BUDGET = {
  recoveryPoints: 5 * MINUTE,
  redeploy: 40 * MINUTE,
  dnsSwitch: 5 * MINUTE,
  verify: 10 * MINUTE,
} as const;
const RECOVERY_POINTS_SECONDS = ACCOUNT_RUNBOOK_BUDGET.recoveryPoints;
const REDEPLOY_SECONDS = ACCOUNT_RUNBOOK_BUDGET.redeploy;
const DNS_SWITCH_SECONDS = ACCOUNT_RUNBOOK_BUDGET.dnsSwitch;
const VERIFY_SECONDS = ACCOUNT_RUNBOOK_BUDGET.verify;
const RUNBOOK_SECONDS = RECOVERY_POINTS_SECONDS + REDEPLOY_SECONDS + DNS_SWITCH_SECONDS + VERIFY_SECONDS;

/**
 * The account-loss runbook's DNS step as the templates build it (DR-3): automated when the DNS stack writes
 * the domain's delegation into a parent zone outside the primary account (the recovered estate's DNS stack
 * rewrites it), otherwise a manual change at the registrar.
 */
export function dnsSwitchStep(input: AssemblyInput): string {
  const [delegation] = resources(input, 'Custom::CrossAccountZoneDelegation');
  if (delegation === undefined) {
    const zone = resources(input, 'AWS::Route53::HostedZone')[0];
    const domain = zone === undefined ? 'the domain' : String(prop(zone, 'Name')).replace(/\.$/, '');
    return `DNS switch, manual (no dns.delegation): set the NS records of ${domain} at its registrar to the recovered zone's name servers`;
  }
  const parent = prop(delegation, 'ParentZoneName') ?? prop(delegation, 'ParentZoneId');
  return `DNS switch, automated: the recovered estate's DNS stack rewrites the NS records of ${String(prop(delegation, 'DelegatedZoneName'))} in ${String(parent)}, outside the lost account, to its own zone; resolvers follow within ${String(prop(delegation, 'TTL'))} s`;
}

/** The designed recovery of the primary account's loss, from the vaults of the recovery account. */
function accountRunbook(vaults: readonly string[], account: string, dnsSwitch: string): RecoveryStep[] {
  return [
    {
      what: `list the newest recovery point of each resource and its age in ${vaults.join(', ')}`,
      budget: seconds(RECOVERY_POINTS_SECONDS, '≤'),
    },
    {
      what: `deploy the estate into the recovery account ${account}, the database restored from its newest recovery point`,
      budget: seconds(REDEPLOY_SECONDS, '≤'),
    },
    {
      what: dnsSwitch,
      budget: seconds(DNS_SWITCH_SECONDS, '≤'),
    },
    {
      what: 'verify: the public endpoint answers right from the recovered data',
      budget: seconds(VERIFY_SECONDS, '≤'),
    },
  ];
}

const RUNBOOK_NOTE =
  'by command: npm run recover runs these steps and prints the time of each against this budget';

// An alias to a load balancer carries the balancer's TTL, which Elastic Load Balancing sets to 60 s.
const BALANCER_ALIAS_TTL_SECONDS = 60;

/**
 * DR-1 as Route 53 answers it: the `app` records of the templates (Route 53's documented selection, see
 * the DNS evaluator) with the regions failing one by one, the home region last, and the worst-case
 * seconds of client errors of `app` (detection + the TTL of its answer: the weighted records' own, or
 * the balancers' 60 s when it aliases them) and of `ab` (one request's origin timeouts before CloudFront
 * fails over to the oops bucket).
 */
export function regionLossNotes(input: AssemblyInput, homeRegion: string): string[] {
  const records = recordsOfTemplates(input.stacks.map((s) => s.template));
  const app = records.find((r) => r.name.startsWith('app.'));
  if (app === undefined) return ['no app record in the templates: global traffic not built'];
  const zone = app.name.slice('app.'.length);
  const checks = resources(input, 'AWS::Route53::HealthCheck').map((c) => {
    const config = record(prop(c, 'HealthCheckConfig'));
    const fqdn = String(config.FullyQualifiedDomainName);
    return {
      id: c.id,
      region:
        fqdn
          .slice(0, -zone.length - 1)
          .split('.')
          .at(-1) ?? fqdn,
      detection:
        Number(config.RequestInterval ?? HEALTH_CHECK_DEFAULT_INTERVAL) *
        Number(config.FailureThreshold ?? HEALTH_CHECK_DEFAULT_THRESHOLD),
    };
  });
  const regions = [...new Set(checks.map((c) => c.region))].sort(
    (a, b) => Number(a === homeRegion) - Number(b === homeRegion),
  );
  const notes: string[] = [];
  const down: string[] = [];
  for (const region of [undefined, ...regions]) {
    if (region !== undefined) down.push(region);
    const unhealthyChecks = new Set(checks.filter((c) => down.includes(c.region)).map((c) => c.id));
    const answers = [...evaluateDns(records, zone, app.name, { unhealthyChecks })]
      .map(([target, share]) => `${target.replace(/ \[target\]$/, '')} ${Math.round(share * 1000) / 10} %`)
      .join(', ');
    notes.push(`app with ${down.length === 0 ? 'every region up' : `${down.join(', ')} down`}: ${answers}`);
  }
  if (checks.length > 0) {
    const detection = Math.max(...checks.map((c) => c.detection));
    const ttl = answerTtl(records, zone, app.name);
    const cached =
      ttl === undefined
        ? `the balancers' alias TTL ${duration(BALANCER_ALIAS_TTL_SECONDS)}`
        : `the TTL of app's answer ${duration(ttl)}`;
    notes.push(
      `app worst case: ${duration(detection + (ttl ?? BALANCER_ALIAS_TTL_SECONDS))} of client errors (detection ${duration(detection)} + ${cached}; resolvers that keep answers past their TTL add their own)`,
    );
  }
  for (const d of resources(input, 'AWS::CloudFront::Distribution')) {
    const config = record(prop(d, 'DistributionConfig'));
    const group = record(list(record(config.OriginGroups).Items)[0]);
    const primaryId = record(list(record(group.Members).Items)[0]).OriginId;
    const primary = record(list(config.Origins).find((o) => record(o).Id === primaryId));
    if (primaryId === undefined || primary.Id === undefined) continue;
    const custom = record(primary.CustomOriginConfig);
    // CloudFront's defaults: 3 attempts of 10 s to connect, 30 s to read.
    const connect = Number(primary.ConnectionAttempts ?? 3) * Number(primary.ConnectionTimeout ?? 10);
    const read = Number(custom.OriginReadTimeout ?? 30);
    const aliases = list(config.Aliases).join(', ');
    notes.push(
      `${aliases} worst case: ${duration(Math.max(connect, Number(primary.ConnectionTimeout ?? 10) + read))} per request before the origin group fails over (connect ${duration(connect)}, read ${duration(read)})`,
    );
  }
  return notes;
}

/** The account row and the landing vaults it found, which the account-and-region row starts from. */
function accountRows(input: AssemblyInput, db: HomeDatabase | undefined): PostureRow[] {
  if (db === undefined) {
    const reason = 'no single primary AWS::RDS::DBCluster in the templates';
    const row = (scenario: string) => ({ scenario, rpo: unknown(reason), rto: RESTORE, from: [], notes: [] });
    return [row('primary account'), row('primary account + home region')];
  }
  const home = db.cluster.stack;
  const primary = home.account;
  const account = copyPath(input, db, (vault) => vault.account !== primary, 'into another account');
  const recovery = account.vaults[0]?.stack.account;
  const landed = account.vaults.map((v) => `${String(prop(v, 'BackupVaultName'))} (${v.stack.region})`);
  const onwards: string[] = [];

  // Losing the home region too leaves only what reached another region of the other account: the landing
  // vaults outside the home region count as they are, the others need a scheduled relay onwards.
  const from = [...account.from];
  const notes = [...account.notes];
  const relays: { vault: Found; interval: ScheduleInterval }[] = [];
  let direct = false;
  for (const vault of account.vaults) {
    if (vault.stack.region !== home.region) {
      direct = true;
      continue;
    }
    const relay = relayOf(input, vault);
    if (relay === undefined) {
      notes.push(`nothing relays ${String(prop(vault, 'BackupVaultName'))} out of ${home.region}`);
      continue;
    }
    from.push(...relay.from);
    onwards.push(`${relay.to.name} (${relay.to.region})`);
    relays.push({ vault, interval: scheduleInterval(relay.schedule) });
  }
  let rpo: Figure;
  const plan = account.rpo;
  if (direct) rpo = plan;
  else if (relays.length === 0) rpo = unknown(`no copy reaches another region of another account`);
  else if (plan.kind !== 'seconds') rpo = plan;
  else {
    const read = relays.flatMap((r) => (r.interval.seconds === undefined ? [] : [r.interval.seconds]));
    const unread = relays.filter((r) => r.interval.seconds === undefined);
    if (unread.length > 0) {
      rpo = unknown(unread.map((r) => r.interval.unknown).join('; '));
      for (const r of unread) notes.push(`RPO unknown: the relay's schedule: ${r.interval.unknown}`);
    } else {
      rpo = seconds(plan.seconds + Math.min(...read), '=', 'the copy jobs');
      notes.push(`backup rule ${duration(plan.seconds)} + relay ${duration(Math.min(...read))}`);
    }
  }
  // Without a landed copy there is nothing to restore from: the restore stays not computed.
  const runbook = (vaults: readonly string[]): { rto: Figure; steps?: RecoveryStep[] } =>
    recovery === undefined || vaults.length === 0
      ? { rto: RESTORE }
      : { rto: seconds(RUNBOOK_SECONDS, '≤'), steps: accountRunbook(vaults, recovery, dnsSwitchStep(input)) };
  const accountRecovery = runbook([...landed, ...onwards]);
  const accountRow: PostureRow = {
    scenario: `primary account (${primary})`,
    rpo: account.rpo,
    from: account.from,
    notes: accountRecovery.steps === undefined ? account.notes : [...account.notes, RUNBOOK_NOTE],
    ...accountRecovery,
  };
  const bothRecovery = runbook(onwards);
  const bothRow: PostureRow = {
    scenario: `primary account + ${home.region}`,
    rpo,
    from,
    notes: bothRecovery.steps === undefined ? notes : [...notes, RUNBOOK_NOTE],
    ...bothRecovery,
  };
  return [accountRow, bothRow];
}

/**
 * A scheduled EventBridge rule in the vault's stack whose target function is told a backup vault in another
 * region of the same account: what moves a landed copy out of the home region.
 */
function relayOf(
  input: AssemblyInput,
  vault: Found,
): { schedule: unknown; from: string[]; to: VaultArn } | undefined {
  const inStack = (type: string) => resources(input, type).filter((r) => r.stack === vault.stack);
  for (const fn of inStack('AWS::Lambda::Function')) {
    const variables = record(record(prop(fn, 'Environment')).Variables);
    const onwards = Object.entries(variables)
      .map(([k, v]) => ({ k, arn: parseVaultArn(v) }))
      .find(
        ({ arn }) =>
          arn !== undefined &&
          arn.account === vault.stack.account &&
          arn.region !== vault.stack.region &&
          vaultOf(input, arn) !== undefined,
      );
    if (onwards?.arn === undefined) continue;
    const rule = inStack('AWS::Events::Rule').find(
      (r) =>
        prop(r, 'ScheduleExpression') !== undefined &&
        list(prop(r, 'Targets')).some((t) => pointsAt(record(t).Arn, fn.id)),
    );
    if (rule === undefined) continue;
    return {
      schedule: prop(rule, 'ScheduleExpression'),
      to: onwards.arn,
      from: [
        fact(fn, `${onwards.k}: ${onwards.arn.name} (${onwards.arn.region})`),
        fact(rule, `ScheduleExpression: ${String(prop(rule, 'ScheduleExpression'))} → ${fn.id}`),
      ],
    };
  }
  return undefined;
}

/**
 * Parameters: an EventBridge rule on Parameter Store changes and a scheduled full pass feed a function
 * exporting to a bucket of the stack, which S3 replicates to another account.
 */
function parameterRow(input: AssemblyInput, primary: string | undefined): PostureRow | undefined {
  const onChange = resources(input, 'AWS::Events::Rule').find((r) =>
    list(record(prop(r, 'EventPattern'))['detail-type']).includes('Parameter Store Change'),
  );
  if (onChange === undefined) return undefined;
  const stack = onChange.stack;
  const from = [fact(onChange, 'EventPattern: Parameter Store Change')];
  const notes: string[] = [];
  const targets = list(prop(onChange, 'Targets')).map((t) => record(t).Arn);
  const fullPass = resources(input, 'AWS::Events::Rule').find(
    (r) =>
      r.stack === stack &&
      prop(r, 'ScheduleExpression') !== undefined &&
      list(prop(r, 'Targets')).some((t) =>
        targets.some((a) => JSON.stringify(a) === JSON.stringify(record(t).Arn)),
      ),
  );
  if (fullPass !== undefined) {
    const pass = scheduleInterval(prop(fullPass, 'ScheduleExpression'));
    from.push(fact(fullPass, `ScheduleExpression: ${String(prop(fullPass, 'ScheduleExpression'))}`));
    notes.push(
      `a change event lost after EventBridge's retries waits for the full pass: ${pass.seconds === undefined ? `unknown (${pass.unknown})` : duration(pass.seconds)}`,
    );
  }
  const replicated = resources(input, 'AWS::S3::Bucket').filter(
    (b) => b.stack === stack && prop(b, 'ReplicationConfiguration') !== undefined,
  );
  const rules = replicated.flatMap((b) =>
    list(record(prop(b, 'ReplicationConfiguration')).Rules)
      .map(record)
      .filter((r) => r.Status === 'Enabled')
      .map((r) => ({ bucket: b, rule: r, destination: record(r.Destination) })),
  );
  const away = rules.filter((r) => r.destination.Account !== undefined && r.destination.Account !== primary);
  const scenario = 'primary account: parameters';
  if (away.length === 0) {
    const reason = 'no S3 replication rule of the export bucket leaves the primary account';
    return { scenario, rpo: unknown(reason), rto: RESTORE, from, notes: [...notes, reason] };
  }
  let worst: Figure = seconds(0);
  for (const { bucket, rule, destination } of away) {
    const time = record(destination.ReplicationTime);
    const minutes = Number(record(time.Time).Minutes);
    const target = String(destination.Bucket);
    const replica = resources(input, 'AWS::S3::Bucket').find(
      (b) =>
        typeof prop(b, 'BucketName') === 'string' && target.endsWith(`:::${String(prop(b, 'BucketName'))}`),
    );
    const where = replica === undefined ? '' : ` (${replica.stack.account} ${replica.stack.region})`;
    if (time.Status === 'Enabled' && Number.isFinite(minutes)) {
      from.push(fact(bucket, `rule ${String(rule.Id)} → ${target}${where}, ReplicationTime: ${minutes} min`));
      if (worst.kind === 'seconds')
        worst = seconds(Math.max(worst.seconds, minutes * MINUTE), '≤', 'the export');
    } else {
      from.push(fact(bucket, `rule ${String(rule.Id)} → ${target}${where}, no ReplicationTime`));
      worst = { kind: 'not computed', text: 'replication time (not computed)' };
      notes.push('S3 replication without replication time control has no time bound');
    }
  }
  notes.push('each change is exported on the event; the replication carries it to the recovery account');
  return { scenario, rpo: worst, rto: RESTORE, from, notes };
}

/** Every scenario of the estate in `input`, most likely failure first. */
export function posture(input: AssemblyInput): PostureRow[] {
  const db = homeDatabase(input);
  const database = databaseRow(input, db);
  const rows = [
    azRow(db),
    ...(database === undefined ? [] : [database]),
    regionRow(input, db),
    ...accountRows(input, db),
  ];
  const parameters = parameterRow(input, db?.cluster.stack.account);
  if (parameters === undefined) return rows;
  // The parameters come back with the account runbook's deploy, from the replicated export.
  const account = rows.find((r) => r.scenario.startsWith('primary account (') && r.steps !== undefined);
  return account === undefined
    ? [...rows, parameters]
    : [
        ...rows,
        {
          ...parameters,
          rto: account.rto,
          notes: [...parameters.notes, `RTO: restored by the deploy of the ${account.scenario} runbook`],
        },
      ];
}

/** The designed figures a drill is held to, and where they come from. */
export interface DrillDesign {
  readonly rto: Figure;
  readonly rpo: Figure;
  readonly basis: string;
}

/**
 * What a game day of `scenario` should cost the users, from the posture of the estate's templates: an AZ's
 * power or the writer's failover is the AZ row; a task stop or a failed scale-out leaves serving capacity
 * in place, so the users should see no error at all.
 */
export function drillDesign(
  scenario: string,
  rows: readonly PostureRow[],
  profile?: Pick<ProfileSettings, 'healthCheck' | 'weightedTtlSeconds'>,
): DrillDesign {
  if (scenario === 'region-dns') return regionDnsDesign(profile);
  if (scenario === 'az-power' || scenario === 'aurora-failover') {
    const az = rows.find((r) => r.scenario.startsWith('an AZ'));
    if (az === undefined) {
      const reason = 'no AZ row in the posture';
      return { rto: unknown(reason), rpo: unknown(reason), basis: reason };
    }
    return { rto: az.rto, rpo: az.rpo, basis: `the posture's row "${az.scenario}"` };
  }
  if (scenario === 'ecs-task-stop')
    return {
      rto: seconds(0),
      rpo: seconds(0),
      basis:
        'the tasks left keep serving while the service starts others; the load balancer drains the stopped',
    };
  if (scenario === 'asg-capacity')
    return {
      rto: seconds(0),
      rpo: seconds(0),
      basis: 'a scale-out that cannot launch leaves the running instances serving',
    };
  const reason = `no design for the scenario ${scenario}`;
  return { rto: unknown(reason), rpo: unknown(reason), basis: reason };
}

/**
 * A region taken out of DNS (its `/health/deep` draining) is gone from `app`'s answers once Route 53's
 * checks have failed (interval × threshold) and the resolvers' copies of the weighted answer have expired
 * (the weighted records' TTL), both from the profile. The region keeps serving meanwhile: nothing is lost.
 */
function regionDnsDesign(profile?: Pick<ProfileSettings, 'healthCheck' | 'weightedTtlSeconds'>): DrillDesign {
  if (profile === undefined) {
    const reason = "no profile given: the health checks' interval and threshold and the TTL come from it";
    return { rto: unknown(reason), rpo: unknown(reason), basis: reason };
  }
  const { intervalSeconds, failureThreshold } = profile.healthCheck;
  return {
    rto: seconds(intervalSeconds * failureThreshold + profile.weightedTtlSeconds, '≤'),
    rpo: seconds(0),
    basis: `out of app's answers after Route 53 detection (${intervalSeconds} s × ${failureThreshold}) + the weighted records' TTL (${profile.weightedTtlSeconds} s)`,
  };
}

/** The newest drill of a scenario beside the figures the posture designs for it now. */
export interface DrillRow {
  readonly scenario: string;
  /** When it started, ISO 8601. */
  readonly at: string;
  readonly region: string;
  /** FIS's final state, with the stopping alarms. */
  readonly outcome: string;
  readonly designed: { readonly rto: string; readonly rpo: string };
  readonly measured: { readonly rto: string; readonly rpo: string };
}

const measuredSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The newest drill of each scenario of `drills` (lastDrills), by scenario name. */
export function drillRows(
  rows: readonly PostureRow[],
  drills: ReadonlyMap<string, DrillLogEntry>,
  profile?: Pick<ProfileSettings, 'healthCheck' | 'weightedTtlSeconds'>,
): DrillRow[] {
  return [...drills.values()]
    .sort((a, b) => a.scenario.localeCompare(b.scenario))
    .map((entry) => {
      const design = drillDesign(entry.scenario, rows, profile);
      return {
        scenario: entry.scenario,
        at: entry.at,
        region: entry.region,
        outcome:
          entry.stoppedBy.length > 0 ? `${entry.outcome} by ${entry.stoppedBy.join(', ')}` : entry.outcome,
        designed: { rto: formatFigure(design.rto), rpo: formatFigure(design.rpo) },
        measured: {
          rto: entry.rtoMs === null ? 'not recovered' : measuredSeconds(entry.rtoMs),
          rpo:
            entry.writes === undefined
              ? 'not measured'
              : `${measuredSeconds(entry.writes.rpoMs)} (${entry.writes.lost} of ${entry.writes.acknowledged} writes lost)`,
        },
      };
    });
}

/** The last drills as a table, or how to run the first. */
export function formatDrillTable(drills: readonly DrillRow[]): string {
  if (drills.length === 0)
    return 'no drill logged yet: `npm run drill -- <scenario> --yes` measures one and logs it';
  const cells = [
    ['drill', 'started', 'region', 'outcome', 'RTO designed', 'measured', 'RPO designed', 'measured'],
    ...drills.map((d) => [
      d.scenario,
      d.at,
      d.region,
      d.outcome,
      d.designed.rto,
      d.measured.rto,
      d.designed.rpo,
      d.measured.rpo,
    ]),
  ];
  const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Output

/** `0`, `45 s`, `15 min`, `1 h`, `1 h 15 min`, `24 h`. */
export function duration(s: number): string {
  if (s === 0) return '0';
  if (s < MINUTE) return `${s} s`;
  if (s < HOUR) return s % MINUTE === 0 ? `${s / MINUTE} min` : `${s} s`;
  const h = Math.floor(s / HOUR);
  const rest = s - h * HOUR;
  if (rest === 0) return `${h} h`;
  return rest % MINUTE === 0 ? `${h} h ${rest / MINUTE} min` : `${s} s`;
}

export function formatFigure(figure: Figure): string {
  switch (figure.kind) {
    case 'seconds': {
      const bound = figure.bound === '=' ? '' : `${figure.bound} `;
      return `${bound}${duration(figure.seconds)}${figure.plus === undefined ? '' : ` + ${figure.plus}`}`;
    }
    case 'not computed':
      return figure.text;
    case 'unknown':
      return 'unknown';
  }
}

/**
 * A plain-text table: scenario, RPO, RTO and the facts, one fact a line, then the notes (`- …`) under them
 * in the same column; a blank line between scenarios.
 */
export function formatPostureTable(rows: readonly PostureRow[]): string {
  const header = ['scenario', 'RPO', 'RTO', 'from'];
  const blocks = rows.map((r) => {
    const steps = (r.steps ?? []).map((step, i) => `${i + 1}. ${step.what}: ${formatFigure(step.budget)}`);
    const lines = [...r.from, ...steps, ...r.notes.map((n) => `- ${n}`)];
    return (lines.length === 0 ? [''] : lines).map((line, i) =>
      i === 0 ? [r.scenario, formatFigure(r.rpo), formatFigure(r.rto), line] : ['', '', '', line],
    );
  });
  const cells = blocks.flat();
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const body = blocks.map((b) => b.map(line).join('\n')).join('\n\n');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), body].join('\n');
}

/** Where the generated report lives, relative to the repository root. */
export const DR_REPORT_DOC = 'docs/dr-report.md';

/** The whole of docs/dr-report.md: one table per profile. */
export function drReportDocument(
  profiles: readonly { profile: string; rows: readonly PostureRow[]; drills: readonly DrillRow[] }[],
): string {
  return [
    '# DR posture',
    '',
    'Generated by `npm run report -- --write` from the synthesized templates of the default estate; do not',
    'edit. Per failure scenario, the recovery point and time objectives, the designed recovery steps with',
    'their time budgets, and the template facts (stack, resource, property) each figure was computed from.',
    'Under "last drills", the newest game day of each scenario (`npm run drill`, logged in',
    `${DRILL_LOG}) measured beside the designed figures. "not computed" means the templates hold no`,
    'number for it; "unknown" means they do, in a form the report cannot read.',
    '',
    ...profiles.flatMap(({ profile, rows, drills }) => [
      `## ${profile}`,
      '',
      '```text',
      formatPostureTable(rows),
      '```',
      '',
      '### last drills',
      '',
      '```text',
      formatDrillTable(drills),
      '```',
      '',
    ]),
  ].join('\n');
}
