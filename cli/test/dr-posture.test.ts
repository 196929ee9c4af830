import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROFILES } from '../../infra/config/index.ts';
import { estate, estateTemplates } from '../../infra/test/support/estate.ts';
import {
  type AssemblyInput,
  DR_REPORT_DOC,
  drillDesign,
  drillRows,
  drReportDocument,
  duration,
  type Figure,
  formatDrillTable,
  formatFigure,
  formatPostureTable,
  type PostureRow,
  posture,
  scheduleInterval,
  type TemplateResource,
} from '../dr-posture.ts';
import { DRILL_LOG, type DrillLogEntry, lastDrills, readDrills } from '../drill/log.ts';

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The row whose scenario starts with `prefix`; fails the test when there is none or more than one. */
function row(rows: readonly PostureRow[], prefix: string): PostureRow {
  const found = rows.filter((r) => r.scenario.startsWith(prefix));
  expect(
    found.map((r) => r.scenario),
    prefix,
  ).toHaveLength(1);
  return found[0] as PostureRow;
}

const rowsOf = (input: AssemblyInput) => posture(input);
const secondsOf = (figure: Figure) => (figure.kind === 'seconds' ? figure.seconds : figure.kind);

/** A logged drill: a completed one in us-east-1 unless `fields` say otherwise. */
function drill(fields: Partial<DrillLogEntry> & Pick<DrillLogEntry, 'scenario' | 'at'>): DrillLogEntry {
  return {
    region: 'us-east-1',
    url: 'https://app.example.com/',
    experimentId: 'EXP1',
    outcome: 'completed',
    stoppedBy: [],
    requests: 480,
    errors: 61,
    errorWindowMs: 14_100,
    rtoMs: 14_200,
    versions: { '1.4.0': 419 },
    regions: { 'us-east-1': 419 },
    designed: { rto: '≤ 1 min', rpo: '0' },
    ...fields,
  };
}

type Resources = Record<string, TemplateResource & { Properties: Record<string, unknown> }>;

/** A deep copy of `input` with the resources of stack `name` handed to `edit` (which may change them). */
function editStack(input: AssemblyInput, name: string, edit: (resources: Resources) => void): AssemblyInput {
  const copy = structuredClone(input) as AssemblyInput;
  const stack = copy.stacks.find((s) => s.name === name);
  expect(stack, name).toBeDefined();
  edit((stack?.template.Resources ?? {}) as Resources);
  return copy;
}

/** The one resource of `type` in `resources`, with its logical id. */
function only(resources: Resources, type: string): [string, Resources[string]] {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type);
  expect(
    found.map(([id]) => id),
    type,
  ).toHaveLength(1);
  return found[0] as [string, Resources[string]];
}

interface Rule {
  RuleName: string;
  ScheduleExpression: string;
  CopyActions: { DestinationBackupVaultArn: string }[];
}

function planRules(resources: Resources): Rule[] {
  const [, plan] = only(resources, 'AWS::Backup::BackupPlan');
  return (plan.Properties.BackupPlan as { BackupPlanRule: Rule[] }).BackupPlanRule;
}

describe('the DR posture report', () => {
  const synthesized: Record<string, AssemblyInput> = {};
  let synthSeconds = 0;
  beforeAll(() => {
    // The estate the test run synthesized once (infra/test/support/global-setup.ts).
    for (const profile of ['lab', 'production'] as const) {
      synthesized[profile] = { stacks: estateTemplates(profile) };
      synthSeconds += estate(profile).outcome.milliseconds / 1000;
    }
  });
  const lab = () => synthesized.lab as AssemblyInput;
  const production = () => synthesized.production as AssemblyInput;
  const recoveryAccount = (input: AssemblyInput) =>
    input.stacks.find((s) => s.name.startsWith('Hello-Recovery-'))?.account ?? 'none';

  it('OPS-3: in both profiles the account RPO is the hourly rule copying into the recovery account, and the relay adds 15 min', () => {
    for (const input of [lab(), production()]) {
      const rows = rowsOf(input);
      const account = row(rows, 'primary account (');
      expect(account.rpo).toEqual({ kind: 'seconds', seconds: HOUR, bound: '=', plus: 'the copy job' });
      const hourly = account.from.find((f) => f.includes('rule Hourly'));
      expect(hourly).toMatch(/^Hello-Backup-us-east-1 \w+ rule Hourly: cron\(0 \* [*?] \* [*?] \*\)/);
      expect(hourly).toContain(`hello-recovery-us-east-1-vault (${recoveryAccount(input)} us-east-1)`);
      // The copy into the other region of the primary account does not count for the account's loss.
      expect(account.from.join('\n')).not.toContain('hello-eu-central-1-vault');

      const both = row(rows, 'primary account + us-east-1');
      expect(secondsOf(both.rpo)).toBe(HOUR + 15 * MIN);
      expect(both.from).toContainEqual(
        expect.stringMatching(/^Hello-Recovery-Backup-us-east-1 \w+ ScheduleExpression: rate\(15 minutes\)/),
      );
      expect(both.from).toContainEqual(expect.stringContaining('hello-recovery-us-east-2-vault (us-east-2)'));
    }
  });

  it('OPS-3: an AZ costs nothing and a minute: the Aurora reader in another AZ takes over', () => {
    for (const input of [lab(), production()]) {
      const az = row(rowsOf(input), 'an AZ (us-east-1)');
      expect(az.rpo).toEqual({ kind: 'seconds', seconds: 0, bound: '=' });
      expect(az.rto).toEqual({ kind: 'seconds', seconds: 60, bound: '≤' });
      // The reader, read from the template here: the cluster's instance that is created after another.
      const data = input.stacks.find((s) => s.name === 'Hello-Data-us-east-1');
      const instances = Object.entries(data?.template.Resources ?? {}).filter(
        ([, r]) => r.Type === 'AWS::RDS::DBInstance',
      );
      const ids = instances.map(([id]) => id);
      const readers = instances.filter(([, r]) => [r.DependsOn ?? []].flat().some((d) => ids.includes(d)));
      expect(readers).toHaveLength(1);
      const [readerId, reader] = readers[0] ?? [];
      const readerAz = reader?.Properties?.AvailabilityZone;
      expect(az.from).toContainEqual(
        `Hello-Data-us-east-1 ${readerId} (reader) AvailabilityZone: ${readerAz}, PromotionTier: 1`,
      );
      expect(az.from.find((f) => f.includes('(writer)'))).not.toContain(String(readerAz));
    }
  });

  it('OPS-3, DR-1: a region costs about a second of replication lag; its RTO adds the regional health checks’ detection', () => {
    for (const [input, detection] of [
      [lab(), 30 * 3],
      [production(), 10 * 1],
    ] as const) {
      const region = row(rowsOf(input), 'a region (us-east-1)');
      expect(region.rpo).toEqual({ kind: 'seconds', seconds: 1, bound: '≈' });
      expect(region.rto).toEqual({
        kind: 'seconds',
        seconds: 120 + detection,
        bound: '≤',
        plus: 'the record TTL',
      });
      expect(region.from).toContainEqual(
        expect.stringMatching(/^Hello-Data-eu-central-1 \w+ GlobalClusterIdentifier: hello-global$/),
      );
      expect(region.notes).toContain('fallback, the backup copies out of us-east-1: RPO 1 h + the copy job');
      expect(region.from).toContainEqual(
        expect.stringContaining('hello-eu-central-1-vault (111111111111 eu-central-1)'),
      );
    }
  });

  it('DR-1: the region row walks the regions down one by one, the home region last, from the weighted answers to the oops page, with the worst case of app and ab', () => {
    for (const [input, app] of [
      [lab(), '150 s'],
      [production(), '30 s'],
    ] as const) {
      const { notes } = row(rowsOf(input), 'a region (us-east-1)');
      const walk = notes.filter((n) => n.startsWith('app with '));
      expect(walk[0]).toBe(
        'app with every region up: fleet.us-east-1.example.com 25 %, asg.us-east-1.example.com 25 %, asg.eu-central-1.example.com 12.5 %, beanstalk.eu-west-1.example.com 12.5 %, ecs.us-west-2.example.com 12.5 %, serverless.ap-southeast-2.example.com 12.5 %',
      );
      expect(walk[1]).toBe(
        'app with eu-central-1 down: fleet.us-east-1.example.com 28.6 %, asg.us-east-1.example.com 28.6 %, beanstalk.eu-west-1.example.com 14.3 %, ecs.us-west-2.example.com 14.3 %, serverless.ap-southeast-2.example.com 14.3 %',
      );
      expect(walk.at(-2)).toBe(
        'app with eu-central-1, eu-west-1, us-west-2, ap-southeast-2 down: fleet.us-east-1.example.com 50 %, asg.us-east-1.example.com 50 %',
      );
      expect(walk.at(-1)).toBe(
        'app with eu-central-1, eu-west-1, us-west-2, ap-southeast-2, us-east-1 down: app.example.com [oops] 100 %',
      );
      expect(notes).toContainEqual(
        expect.stringMatching(new RegExp(`^app worst case: ${app} of client errors`)),
      );
      expect(notes).toContainEqual(expect.stringMatching(/^ab\.example\.com worst case: 5 s per request/));
    }
  });

  it("DR-1: in production a region's loss costs app at most 60 s: detection + the weighted records' TTL, not the balancers' 60 s", () => {
    const { notes } = row(rowsOf(production()), 'a region (us-east-1)');
    const worst = notes.find((n) => n.startsWith('app worst case: '));
    expect(worst).toBe(
      "app worst case: 30 s of client errors (detection 10 s + the TTL of app's answer 20 s; resolvers that keep answers past their TTL add their own)",
    );
    expect(Number(/^app worst case: (\d+) s/.exec(worst ?? '')?.[1])).toBeLessThanOrEqual(60);
  });

  it('OPS-3: parameters reach the recovery account within 15 min in production (replication time control), unbounded in lab', () => {
    const prod = row(rowsOf(production()), 'primary account: parameters');
    expect(prod.rpo).toEqual({ kind: 'seconds', seconds: 15 * MIN, bound: '≤', plus: 'the export' });
    expect(prod.from).toContainEqual(
      expect.stringMatching(/^Hello-Parameters-us-east-1 \w+ EventPattern: Parameter Store Change$/),
    );
    expect(prod.from).toContainEqual(expect.stringMatching(/ReplicationTime: 15 min$/));
    const labRow = row(rowsOf(lab()), 'primary account: parameters');
    expect(labRow.rpo.kind).toBe('not computed');
    expect(labRow.from).toContainEqual(expect.stringMatching(/no ReplicationTime$/));
    for (const r of [prod, labRow])
      expect(r.notes).toContain(
        "a change event lost after EventBridge's retries waits for the full pass: 24 h",
      );
  });

  it('OPS-3: the account RPO follows the backup rules of the template: a 6-hourly rule gives 6 h, no hourly copy the daily 24 h', () => {
    const sixHourly = editStack(lab(), 'Hello-Backup-us-east-1', (resources) => {
      const hourly = planRules(resources).find((r) => r.RuleName === 'Hourly');
      if (hourly !== undefined) hourly.ScheduleExpression = 'cron(0 */6 ? * * *)';
    });
    expect(secondsOf(row(rowsOf(sixHourly), 'primary account (').rpo)).toBe(6 * HOUR);
    expect(secondsOf(row(rowsOf(sixHourly), 'primary account + ').rpo)).toBe(6 * HOUR + 15 * MIN);

    const recovery = recoveryAccount(lab());
    const noHourlyCopy = editStack(lab(), 'Hello-Backup-us-east-1', (resources) => {
      const hourly = planRules(resources).find((r) => r.RuleName === 'Hourly');
      if (hourly !== undefined)
        hourly.CopyActions = hourly.CopyActions.filter(
          (c) => !c.DestinationBackupVaultArn.includes(`:${recovery}:`),
        );
    });
    const rows = rowsOf(noHourlyCopy);
    expect(secondsOf(row(rows, 'primary account (').rpo)).toBe(DAY);
    expect(row(rows, 'primary account (').from.join('\n')).not.toContain('rule Hourly');
    // The hourly rule still copies to the other region, so the region's fallback keeps it.
    expect(row(rows, 'a region').notes).toContain(
      'fallback, the backup copies out of us-east-1: RPO 1 h + the copy job',
    );

    const noCopy = editStack(lab(), 'Hello-Backup-us-east-1', (resources) => {
      for (const rule of planRules(resources)) rule.CopyActions = [];
    });
    expect(row(rowsOf(noCopy), 'primary account (').rpo.kind).toBe('unknown');
  });

  it('OPS-3: a schedule the report cannot read makes the figure unknown, never a guess', () => {
    const garbled = editStack(production(), 'Hello-Backup-us-east-1', (resources) => {
      const hourly = planRules(resources).find((r) => r.RuleName === 'Hourly');
      if (hourly !== undefined) hourly.ScheduleExpression = 'cron(0 9-17 ? * MON-FRI *)';
    });
    const rows = rowsOf(garbled);
    const account = row(rows, 'primary account (');
    expect(account.rpo.kind).toBe('unknown');
    expect(account.notes.join('\n')).toContain('cron(0 9-17 ? * MON-FRI *)');
    expect(account.notes.join('\n')).toContain('the other rules bound it at 24 h');
    expect(row(rows, 'primary account + ').rpo.kind).toBe('unknown');
    expect(formatPostureTable(rows)).toMatch(/^primary account \(\d+\) +unknown /m);

    const relay = editStack(production(), 'Hello-Recovery-Backup-us-east-1', (resources) => {
      const [, rule] = only(resources, 'AWS::Events::Rule');
      rule.Properties.ScheduleExpression = 'rate(1 fortnight)';
    });
    expect(row(rowsOf(relay), 'primary account + ').rpo.kind).toBe('unknown');
    expect(secondsOf(row(rowsOf(relay), 'primary account (').rpo)).toBe(HOUR);
  });

  it('OPS-3: the relay, the reader, the secondary cluster and health checks each change their row', () => {
    const hourlyRelay = editStack(lab(), 'Hello-Recovery-Backup-us-east-1', (resources) => {
      const [, rule] = only(resources, 'AWS::Events::Rule');
      rule.Properties.ScheduleExpression = 'rate(1 hour)';
    });
    expect(secondsOf(row(rowsOf(hourlyRelay), 'primary account + ').rpo)).toBe(2 * HOUR);

    const noReader = editStack(lab(), 'Hello-Data-us-east-1', (resources) => {
      const ids = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::RDS::DBInstance');
      for (const id of ids)
        if ([resources[id]?.DependsOn ?? []].flat().some((d) => ids.includes(d))) delete resources[id];
    });
    const az = row(rowsOf(noReader), 'an AZ');
    expect(az.rpo).toEqual({ kind: 'seconds', seconds: 0, bound: '=' });
    expect(az.rto.kind).toBe('not computed');
    expect(az.notes).toContain('no reader: Aurora replaces the writer in a healthy AZ');

    const noSecondary = editStack(lab(), 'Hello-Data-eu-central-1', (resources) => {
      const [id] = only(resources, 'AWS::RDS::DBCluster');
      delete resources[id];
    });
    const region = row(rowsOf(noSecondary), 'a region');
    expect(secondsOf(region.rpo)).toBe(HOUR);
    expect(region.rto.kind).toBe('not computed');

    const withDns = editStack(production(), 'Hello-Data-us-east-1', (resources) => {
      resources.Check = {
        Type: 'AWS::Route53::HealthCheck',
        Properties: { HealthCheckConfig: { Type: 'HTTPS', RequestInterval: 10, FailureThreshold: 1 } },
      };
    });
    expect(secondsOf(row(rowsOf(withDns), 'a region').rto)).toBe(120 + 10);

    const bounded = editStack(production(), 'Hello-Data-us-east-1', (resources) => {
      const [, group] = only(resources, 'AWS::RDS::DBClusterParameterGroup');
      group.Properties.Parameters = { ...(group.Properties.Parameters as object), 'rds.global_db_rpo': '20' };
    });
    expect(row(rowsOf(bounded), 'a region').rpo).toEqual({ kind: 'seconds', seconds: 20, bound: '≤' });
  });

  it('DR-2: the database region loss shows the steps of npm run failover, the RTO their sum: ≤ 4 min', () => {
    for (const input of [lab(), production()]) {
      const database = row(rowsOf(input), "the database's region (us-east-1)");
      expect(database.rpo).toEqual({ kind: 'seconds', seconds: 1, bound: '≈' });
      const steps = database.steps ?? [];
      expect(steps.map((s) => s.what)).toEqual([
        expect.stringMatching(/^npm run failover -- --to eu-central-1: reads eu-central-1's replication lag/),
        expect.stringMatching(/^rds:FailoverGlobalCluster to eu-central-1/),
        expect.stringMatching(/endpoint parameter names the new writer/),
      ]);
      expect(steps.map((s) => secondsOf(s.budget))).toEqual([MIN, 2 * MIN, MIN]);
      expect(database.rto).toEqual({ kind: 'seconds', seconds: 4 * MIN, bound: '≤' });
      expect(database.from).toContainEqual(
        expect.stringMatching(/^Hello-Data-eu-central-1 \w+ GlobalClusterIdentifier: hello-global$/),
      );
    }
    const noSecondary = editStack(lab(), 'Hello-Data-eu-central-1', (resources) => {
      const [id] = only(resources, 'AWS::RDS::DBCluster');
      delete resources[id];
    });
    expect(rowsOf(noSecondary).map((r) => r.scenario)).not.toContainEqual(
      expect.stringMatching(/^the database's region/),
    );
  });

  it('DR-3: account loss shows the runbook npm run recover automates — newest recovery points and ages, deploy, DNS switch, verification — within 1 h', () => {
    for (const input of [lab(), production()]) {
      const rows = rowsOf(input);
      const account = row(rows, 'primary account (');
      const steps = account.steps ?? [];
      expect(steps.map((s) => s.what)).toEqual([
        'list the newest recovery point of each resource and its age in hello-recovery-us-east-1-vault (us-east-1), hello-recovery-us-east-2-vault (us-east-2)',
        `deploy the estate into the recovery account ${recoveryAccount(input)}, the database restored from its newest recovery point`,
        expect.stringMatching(/^DNS switch/),
        expect.stringMatching(/^verify/),
      ]);
      const total = steps.reduce((sum, s) => sum + Number(secondsOf(s.budget)), 0);
      expect(total).toBeLessThanOrEqual(HOUR);
      expect(account.rto).toEqual({ kind: 'seconds', seconds: total, bound: '≤' });
      expect(account.notes).toContain(
        'by command: npm run recover runs these steps and prints the time of each against this budget',
      );
      // With the home region lost as well, only the relayed copies in the recovery region are left.
      const both = row(rows, 'primary account + us-east-1');
      expect(both.steps?.[0]?.what).toBe(
        'list the newest recovery point of each resource and its age in hello-recovery-us-east-2-vault (us-east-2)',
      );
      expect(both.rto).toEqual(account.rto);
      expect(row(rows, 'primary account: parameters').rto).toEqual(account.rto);
      for (const r of rows) expect(formatFigure(r.rto), r.scenario).not.toMatch(/not computed|unknown/);
    }
    expect(formatPostureTable(rowsOf(production()))).toMatch(
      /^ +4\. verify: the public endpoint answers right from the recovered data: ≤ 10 min$/m,
    );
    // No copy reaches the recovery account: nothing to restore from, so no runbook and no budget.
    const noCopy = editStack(production(), 'Hello-Backup-us-east-1', (resources) => {
      for (const rule of planRules(resources)) rule.CopyActions = [];
    });
    const account = row(rowsOf(noCopy), 'primary account (');
    expect(account.steps).toBeUndefined();
    expect(account.rto.kind).toBe('not computed');
  });

  it('DR-3: the runbook’s DNS step is a registrar change without dns.delegation, and automated with it, naming the parent zone and the NS TTL', () => {
    const step = (input: AssemblyInput) => row(rowsOf(input), 'primary account (').steps?.[2]?.what;
    expect(step(lab())).toBe(
      "DNS switch, manual (no dns.delegation): set the NS records of example.com at its registrar to the recovered zone's name servers",
    );
    // The record the DNS stack writes with a delegation (infra/test/lib/stacks/dns-stack.test.ts).
    const delegated = editStack(lab(), 'Hello-Dns-us-east-1', (resources) => {
      resources.DelegationRecord = {
        Type: 'Custom::CrossAccountZoneDelegation',
        Properties: {
          AssumeRoleArn: 'arn:aws:iam::222222222222:role/Hello-Recovery-DnsDelegation',
          ParentZoneName: 'example.com',
          DelegatedZoneName: 'hello.example.com',
          DelegatedZoneNameServers: { 'Fn::GetAtt': ['Zone', 'NameServers'] },
          TTL: 300,
        },
      };
    });
    expect(step(delegated)).toBe(
      "DNS switch, automated: the recovered estate's DNS stack rewrites the NS records of hello.example.com in example.com, outside the lost account, to its own zone; resolvers follow within 300 s",
    );
  });
  it('OPS-3: the AZ row shows its step: Aurora promotes the reader in the other AZ, nothing to run', () => {
    const az = row(rowsOf(production()), 'an AZ (us-east-1)');
    expect(az.steps).toEqual([
      {
        what: 'automatic: Aurora promotes the reader in us-east-1b; the cluster endpoint follows, nothing to run',
        budget: az.rto,
      },
    ]);
  });

  it('OPS-1: without a drill log the report says no drill was logged yet and how to run one', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'drills-')), 'drills.jsonl');
    const drills = drillRows(rowsOf(production()), lastDrills(readDrills(missing)));
    expect(drills).toEqual([]);
    const document = drReportDocument([{ profile: 'production', rows: rowsOf(production()), drills }]);
    expect(document).toContain(
      '### last drills\n\n```text\nno drill logged yet: `npm run drill -- <scenario> --yes` measures one and logs it\n```',
    );
  });

  it('OPS-1: with a drill log the report shows the newest drill of each scenario, measured beside designed', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'drills-')), 'drills.jsonl');
    const entries = [
      drill({ scenario: 'az-power', at: '2026-11-01T10:00:00.000Z', rtoMs: 48_000 }),
      drill({
        scenario: 'aurora-failover',
        at: '2026-11-02T10:00:00.000Z',
        rtoMs: 14_200,
        writes: { acknowledged: 96, lost: 2, unverified: 0, rpoMs: 860 },
      }),
      drill({ scenario: 'az-power', at: '2026-11-20T10:00:00.000Z', rtoMs: 31_400 }),
      drill({
        scenario: 'ecs-task-stop',
        at: '2026-11-21T10:00:00.000Z',
        rtoMs: null,
        outcome: 'stopped',
        stoppedBy: ['Hello-Ecs-5xx'],
      }),
    ];
    writeFileSync(log, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const drills = drillRows(rowsOf(production()), lastDrills(readDrills(log)));
    expect(drills).toEqual([
      {
        scenario: 'aurora-failover',
        at: '2026-11-02T10:00:00.000Z',
        region: 'us-east-1',
        outcome: 'completed',
        designed: { rto: '≤ 1 min', rpo: '0' },
        measured: { rto: '14.2 s', rpo: '0.9 s (2 of 96 writes lost)' },
      },
      {
        scenario: 'az-power',
        at: '2026-11-20T10:00:00.000Z',
        region: 'us-east-1',
        outcome: 'completed',
        designed: { rto: '≤ 1 min', rpo: '0' },
        measured: { rto: '31.4 s', rpo: 'not measured' },
      },
      {
        scenario: 'ecs-task-stop',
        at: '2026-11-21T10:00:00.000Z',
        region: 'us-east-1',
        outcome: 'stopped by Hello-Ecs-5xx',
        designed: { rto: '0', rpo: '0' },
        measured: { rto: 'not recovered', rpo: 'not measured' },
      },
    ]);
    const table = formatDrillTable(drills).split('\n');
    expect(table[0]).toMatch(
      /^drill +started +region +outcome +RTO designed +measured +RPO designed +measured$/,
    );
    expect(table[2]).toMatch(
      /^az-power +2026-11-20T10:00:00.000Z +us-east-1 +completed +≤ 1 min +31.4 s +0 +not measured$/,
    );
    const document = drReportDocument([{ profile: 'production', rows: rowsOf(production()), drills }]);
    expect(document).toContain(table.join('\n'));
  });

  it("OPS-1, DNS-2: a region taken out of DNS is designed to leave app's answers within the profile's detection (interval × threshold) + the weighted TTL, losing nothing; the report holds the drill to it", () => {
    for (const profile of [PROFILES.lab, PROFILES.production]) {
      const { intervalSeconds, failureThreshold } = profile.healthCheck;
      const design = drillDesign('region-dns', [], profile);
      expect(design.rto).toEqual({
        kind: 'seconds',
        seconds: intervalSeconds * failureThreshold + profile.weightedTtlSeconds,
        bound: '≤',
      });
      expect(design.rpo).toEqual({ kind: 'seconds', seconds: 0, bound: '=' });
    }
    // Production's 60 s region-loss target leaves room for Aurora's managed failover.
    expect(formatFigure(drillDesign('region-dns', [], PROFILES.production).rto)).toBe('≤ 30 s');
    expect(drillDesign('region-dns', []).rto.kind).toBe('unknown');
    const entry = drill({
      scenario: 'region-dns',
      at: '2026-12-05T04:00:00.000Z',
      region: 'eu-central-1',
      rtoMs: 27_300,
      dns: { region: 'eu-central-1', leftAfterMs: 27_300, outMs: 612_000, back: true },
    });
    expect(drillRows(rowsOf(production()), new Map([['region-dns', entry]]), PROFILES.production)).toEqual([
      {
        scenario: 'region-dns',
        at: '2026-12-05T04:00:00.000Z',
        region: 'eu-central-1',
        outcome: 'completed',
        designed: { rto: '≤ 30 s', rpo: '0' },
        measured: { rto: '27.3 s', rpo: 'not measured' },
      },
    ]);
  });

  it('OPS-3: docs/dr-report.md holds both profiles as the code computes them now, with the drill log beside it (npm run report -- --write)', () => {
    const drills = lastDrills(readDrills(fileURLToPath(new URL(`../../${DRILL_LOG}`, import.meta.url))));
    const document = drReportDocument([
      { profile: 'lab', rows: rowsOf(lab()), drills: drillRows(rowsOf(lab()), drills, PROFILES.lab) },
      {
        profile: 'production',
        rows: rowsOf(production()),
        drills: drillRows(rowsOf(production()), drills, PROFILES.production),
      },
    ]);
    expect(read(DR_REPORT_DOC)).toBe(document);
    expect(document).toMatch(/^Generated by `npm run report -- --write`/m);
    expect(document).not.toMatch(/\/(tmp|home|Users|work)\//);
  });

  it('prints one block per scenario, aligned, facts one a line', () => {
    const rows = rowsOf(lab());
    const lines = formatPostureTable(rows).split('\n');
    expect(lines[0]).toMatch(/^scenario +RPO +RTO +from$/);
    const column = lines[0]?.indexOf('from') ?? -1;
    for (const r of rows) {
      const first = lines.find((l) => l.startsWith(r.scenario));
      expect(first?.slice(column)).toBe(r.from[0]);
    }
    for (const f of rows.flatMap((r) => r.from)) expect(lines.some((l) => l.slice(column) === f)).toBe(true);
    expect(synthSeconds).toBeGreaterThan(0);
  });
});

describe('schedule expressions', () => {
  it('reads the rate and cron forms the estate uses, as the longest gap between two runs', () => {
    expect(scheduleInterval('rate(15 minutes)').seconds).toBe(15 * MIN);
    expect(scheduleInterval('rate(1 minute)').seconds).toBe(MIN);
    expect(scheduleInterval('rate(2 hours)').seconds).toBe(2 * HOUR);
    expect(scheduleInterval('rate(1 day)').seconds).toBe(DAY);
    expect(scheduleInterval('cron(0 * * * ? *)').seconds).toBe(HOUR);
    expect(scheduleInterval('cron(0 * ? * * *)').seconds).toBe(HOUR);
    expect(scheduleInterval('cron(30 5 * * ? *)').seconds).toBe(DAY);
    expect(scheduleInterval('cron(0 */6 ? * * *)').seconds).toBe(6 * HOUR);
    expect(scheduleInterval('cron(0 2/6 * * ? *)').seconds).toBe(6 * HOUR);
    expect(scheduleInterval('cron(0 0,12 * * ? *)').seconds).toBe(12 * HOUR);
    // Uneven lists count their longest gap, across midnight included.
    expect(scheduleInterval('cron(0 */5 * * ? *)').seconds).toBe(5 * HOUR);
    expect(scheduleInterval('cron(0 1,22 * * ? *)').seconds).toBe(21 * HOUR);
  });

  it('calls anything else unknown', () => {
    for (const expression of [
      'rate(1 week)',
      'rate(0 minutes)',
      'rate(fifteen minutes)',
      'cron(0 9-17 ? * MON-FRI *)',
      'cron(*/5 * * * ? *)',
      'cron(0 * * *)',
      'cron(0 * 1 * ? *)',
      'cron(0 25 * * ? *)',
      'at(2030-01-01T00:00:00)',
      '',
    ])
      expect(scheduleInterval(expression).unknown, expression).toBeDefined();
    expect(scheduleInterval({ 'Fn::Join': ['', ['rate(', '1', ' hour)']] }).unknown).toMatch(/not a literal/);
  });

  it('prints durations in the largest whole unit', () => {
    expect([0, 45, 60, 900, 3600, 4500, 86_400, 90].map(duration)).toEqual([
      '0',
      '45 s',
      '1 min',
      '15 min',
      '1 h',
      '1 h 15 min',
      '24 h',
      '90 s',
    ]);
  });
});
