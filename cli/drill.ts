// npm run drill -- <scenario> [--yes] (--help for the rest): a game day (OPS-1). Starts the region's FIS
// experiment for the scenario, watches the public endpoint from the users' side while it runs, and prints
// the measured RTO (and, where the database can lose writes, RPO) beside the designed ones; each drill is
// appended to the drill log that `npm run report` reads. Without --yes it only reads and prints the plan.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../infra/config/index.ts';
import { DRILL_SCENARIOS, type DrillScenario } from '../infra/lib/constructs/recovery/scenarios.ts';
import { type DrillDesign, drillDesign, formatFigure, posture } from './dr-posture.ts';
import {
  awsDrillClients,
  type DrillClients,
  DrillError,
  type ExperimentEnd,
  findTemplate,
  followExperiment,
  startExperiment,
} from './drill/experiment.ts';
import { appendDrill, DRILL_LOG, type DrillLogEntry } from './drill/log.ts';
import {
  isRight,
  type Recovery,
  type RegionAbsence,
  recoveryOf,
  regionAbsence,
  sentAt,
  type WriteLoss,
  WriteStream,
} from './drill/measure.ts';
import { commandConfig } from './lib/command-config.ts';
import { seconds } from './lib/progress.ts';
import { defineCommand, isMain, positiveNumber, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';
import { closeKeptConnections } from './watch/probe.ts';
import type { Sample } from './watch/traffic-window.ts';
import { watchTraffic } from './watch/watch.ts';

/** The scenarios the estate defines templates for. */
export const SCENARIOS = DRILL_SCENARIOS;
export type Scenario = DrillScenario;
/** Scenarios whose fault moves the database writer: a write stream measures what they lose. */
const LOSES_WRITES: readonly Scenario[] = ['az-power', 'aurora-failover'];
/** The scenario that takes the region out of DNS: the watch follows that region's answers. */
const LEAVES_DNS: Scenario = 'region-dns';

/** The command line. */
export interface DrillArguments {
  readonly scenario: Scenario;
  readonly region?: string;
  readonly url?: URL;
  readonly ratePerSecond: number;
  readonly writeRatePerSecond: number;
  readonly settleMs: number;
  readonly timeoutMs: number;
  readonly recoveryTimeoutMs: number;
  readonly log: string;
  readonly yes: boolean;
  readonly estateProfile?: string;
  readonly awsProfile?: string;
}

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

export const DRILL = defineCommand({
  name: 'drill',
  summary:
    "A game day (OPS-1): starts the region's AWS FIS experiment for the scenario (found by its tags), watches the public endpoint from the users' side while it runs (error window, time until answers are right again, versions and regions seen), follows the experiment to its end (completed, stopped by its alarm, failed), and prints the measured RTO and RPO beside the designed ones. Each drill is appended to the drill log `npm run report` reads. Without --yes it only reads and prints the plan.",
  positionals: [{ name: 'scenario', description: SCENARIOS.join(' | ') }],
  options: {
    region: {
      type: 'string',
      value: '<region>',
      description: "the region whose experiment runs (default: the config's home region)",
    },
    url: {
      type: 'string',
      value: '<url>',
      description: "what the users request (default: https://<the config's dns.domainName>/)",
    },
    rate: {
      type: 'string',
      value: '<req/s>',
      description: 'requests per second of the watch',
      default: '10',
    },
    'write-rate': {
      type: 'string',
      value: '<writes/s>',
      description: `writes per second to /store during ${LOSES_WRITES.join(' and ')}, read back afterwards`,
      default: '2',
    },
    settle: {
      type: 'string',
      value: '<s>',
      description: 'after the experiment, how long answers must stay right for the drill to end',
      default: '30',
    },
    timeout: {
      type: 'string',
      value: '<s>',
      description: 'how long the experiment may run',
      default: '3600',
    },
    'recovery-timeout': {
      type: 'string',
      value: '<s>',
      description: 'after the experiment, how long answers may take to be right again',
      default: '900',
    },
    log: { type: 'string', value: '<path>', description: 'the drill log appended to', default: DRILL_LOG },
    yes: { type: 'boolean', description: 'start the experiment (without it: print the plan)' },
    'dry-run': { type: 'boolean', description: 'read, and print the plan (the default)' },
    profile: SHARED_OPTIONS.profile,
    'primary-profile': SHARED_OPTIONS['primary-profile'],
  },
  examples: [
    'az-power',
    'aurora-failover --yes',
    'ecs-task-stop --region eu-central-1 --rate 20 --yes --json',
    'region-dns --region eu-central-1 --yes',
  ],
  json: true,
  settings({ values, positionals }, problems): DrillArguments {
    const given = positionals[0];
    const scenario = SCENARIOS.find((s) => s === given) ?? 'az-power';
    if (given !== undefined && scenario !== given)
      problems.push(`<scenario> takes one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(given)}`);
    if (values.yes && values['dry-run']) problems.push('--yes and --dry-run contradict each other');
    let url: URL | undefined;
    if (values.url !== undefined) {
      try {
        url = new URL(values.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          problems.push('--url must be http or https');
      } catch {
        problems.push(`--url is not a URL: ${JSON.stringify(values.url)}`);
      }
    }
    return {
      scenario,
      region: values.region,
      url,
      ratePerSecond: positiveNumber(problems, 'rate', values.rate, 1000),
      writeRatePerSecond: positiveNumber(problems, 'write-rate', values['write-rate'], 100),
      settleMs: positiveNumber(problems, 'settle', values.settle, 3600) * 1000,
      timeoutMs: positiveNumber(problems, 'timeout', values.timeout, 86_400) * 1000,
      recoveryTimeoutMs:
        positiveNumber(problems, 'recovery-timeout', values['recovery-timeout'], 86_400) * 1000,
      log: resolve(repositoryRoot, values.log ?? DRILL_LOG),
      yes: values.yes,
      estateProfile: values.profile,
      awsProfile: values['primary-profile'],
    };
  },
});

/** What a run needs besides its arguments; the tests hand in mocked clients and a fast poll clock. */
export interface DrillDependencies {
  readonly clients: DrillClients;
  readonly design: DrillDesign;
  /** The estate's tag on the templates. */
  readonly tag: { readonly key: string; readonly value: string };
  readonly region: string;
  readonly url: URL;
  /** Sleeps between polls of the experiment. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** How often the experiment is polled. @default 5000 */
  readonly pollMs?: number;
}

/** The outcome of a drill: the experiment's end and what the users saw. */
export interface DrillOutcome {
  readonly entry: DrillLogEntry;
  readonly experiment: ExperimentEnd;
  readonly recovery: Recovery;
  readonly writes?: WriteLoss;
  readonly absence?: RegionAbsence;
}

const realSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Runs the command. 0: the experiment completed and answers were right again; 1 otherwise. */
export async function runDrill(
  args: DrillArguments,
  deps: DrillDependencies,
  context: RunContext,
): Promise<number> {
  const sleep = deps.sleep ?? realSleep;
  const { clients, region, url } = deps;
  const writes = LOSES_WRITES.includes(args.scenario);
  const leaves = args.scenario === LEAVES_DNS;
  try {
    context.progress.step(`finding the ${args.scenario} experiment template in ${region}`);
    const template = await findTemplate(clients.fis, deps.tag, args.scenario);
    context.progress.done(`template ${template.id}`);
    const plan = [
      `drill ${args.scenario} in ${region}: experiment template ${template.id} (${template.description ?? 'no description'})`,
      `  1. watch ${url.href} at ${args.ratePerSecond} req/s${writes ? `, and write to ${new URL('store', url).href} at ${args.writeRatePerSecond}/s` : ''}`,
      `  2. fis:StartExperiment {"experimentTemplateId":"${template.id}","tags":{"drill":"<id>"}}`,
      `  3. follow the experiment (at most ${args.timeoutMs / 1000} s); it stops itself when a stop alarm fires`,
      ...(leaves
        ? [
            `     the answers of ${region} must leave ${url.host} (designed: within ${formatFigure(deps.design.rto)}) and come back`,
          ]
        : []),
      `  4. wait for ${args.settleMs / 1000} s of right answers${leaves ? ` and an answer of ${region}` : ''} (at most ${args.recoveryTimeoutMs / 1000} s)${writes ? ', read every acknowledged write back' : ''}`,
      `  5. print the measured figures beside the designed RTO ${formatFigure(deps.design.rto)}, RPO ${formatFigure(deps.design.rpo)} (${deps.design.basis}); append them to ${args.log}`,
    ].join('\n');
    if (!args.yes) {
      context.result(
        { dryRun: true, templateId: template.id, plan },
        `${plan}\n\nDry run: nothing started. Add --yes to run the drill.`,
      );
      return 0;
    }

    const drillId = randomUUID();
    const samples: Sample[] = [];
    const stopWatch = new AbortController();
    const watching = watchTraffic({
      url,
      ratePerSecond: args.ratePerSecond,
      windowMs: 60_000,
      by: ['version', 'region'],
      signal: stopWatch.signal,
      tickMs: 10_000,
      onSample: (sample) => samples.push(sample),
    });
    const stream = writes
      ? new WriteStream({ url, ratePerSecond: args.writeRatePerSecond, label: drillId })
      : undefined;
    stream?.start();
    const at = new Date().toISOString();
    const startedAt = Date.now();
    let experiment: ExperimentEnd;
    try {
      context.progress.step('starting the experiment');
      const started = await startExperiment(clients.fis, template.id ?? '', drillId, { drill: drillId });
      context.progress.step(`experiment ${started.id} running`);
      experiment = await followExperiment(clients, started.id ?? '', {
        pollMs: deps.pollMs ?? 5000,
        timeoutMs: args.timeoutMs,
        sleep,
        now: Date.now,
        onState: (status, reason) =>
          context.progress.note(`experiment ${started.id}: ${status}${reason ? ` (${reason})` : ''}`),
      });
      context.progress.step('waiting for the answers to be right again');
      const endedAt = Date.now();
      await settled(
        samples,
        args.settleMs,
        args.recoveryTimeoutMs,
        leaves ? (s) => s.servedBy?.region === region && sentAt(s) >= endedAt : undefined,
      );
    } finally {
      stopWatch.abort();
      await watching;
      await stream?.stop();
      closeKeptConnections();
    }
    const recovery = recoveryOf(samples);
    const absence = leaves ? regionAbsence(samples, region, startedAt) : undefined;
    let loss: WriteLoss | undefined;
    if (stream !== undefined) {
      context.progress.step('reading the acknowledged writes back');
      loss = await stream.verify(recovery.errorWindow?.from);
    }
    context.progress.done();
    const entry: DrillLogEntry = {
      at,
      scenario: args.scenario,
      region,
      url: url.href,
      experimentId: experiment.id,
      outcome: experiment.status,
      ...(experiment.reason === undefined ? {} : { reason: experiment.reason }),
      stoppedBy: [...experiment.stoppedBy],
      requests: recovery.requests,
      errors: recovery.errors,
      errorWindowMs: recovery.errorWindow?.ms ?? 0,
      rtoMs: absence === undefined ? (recovery.rtoMs ?? null) : (absence.leftAfterMs ?? null),
      versions: { ...recovery.versions },
      regions: { ...recovery.regions },
      ...(loss === undefined
        ? {}
        : {
            writes: {
              acknowledged: loss.acknowledged,
              lost: loss.lost.length,
              unverified: loss.unverified,
              rpoMs: loss.rpoMs,
            },
          }),
      ...(absence === undefined
        ? {}
        : {
            dns: {
              region,
              leftAfterMs: absence.leftAfterMs ?? null,
              outMs: absence.outMs ?? null,
              back: absence.back,
            },
          }),
      designed: { rto: formatFigure(deps.design.rto), rpo: formatFigure(deps.design.rpo) },
    };
    appendDrill(args.log, entry);
    context.result(entry, `${formatDrill(entry)}\nlogged to ${args.log}`);
    const recovered =
      absence === undefined
        ? recovery.rtoMs !== undefined
        : absence.leftAfterMs !== undefined && absence.back && recovery.errors === 0;
    return experiment.status === 'completed' && recovered ? 0 : 1;
  } catch (error) {
    if (!(error instanceof DrillError)) throw error;
    context.progress.done('failed');
    context.io.stderr.write(`${error.message}\n`);
    return 1;
  }
}

/**
 * Resolves once the answers of the last `settleMs` were all right (and one answer is `back`, when given),
 * or after `timeoutMs`.
 */
async function settled(
  samples: readonly Sample[],
  settleMs: number,
  timeoutMs: number,
  back?: (sample: Sample) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = Date.now();
    const recent = samples.filter((s) => sentAt(s) >= now - settleMs);
    const lastWrong = samples.findLast((s) => !isRight(s));
    const returned = back === undefined || samples.some(back);
    if (recent.length > 0 && returned && (lastWrong === undefined || sentAt(lastWrong) < now - settleMs))
      return;
    await realSleep(Math.min(250, settleMs));
  }
}

const ms = (value: number | null) => (value === null ? 'not recovered' : seconds(value));

/** The drill beside its design, as printed. */
export function formatDrill(entry: DrillLogEntry): string {
  const outcome =
    entry.outcome === 'stopped'
      ? entry.stoppedBy.length > 0
        ? `stopped by its alarm ${entry.stoppedBy.join(', ')}`
        : `stopped (no stop alarm in ALARM: by hand)${entry.reason ? `: ${entry.reason}` : ''}`
      : `${entry.outcome}${entry.reason ? ` (${entry.reason})` : ''}`;
  const seen = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([k, n]) => `${k} (${n})`)
      .join(', ') || 'none';
  const rows: [string, string, string][] = [
    ['', 'designed', 'measured'],
    ['RTO', entry.designed.rto, ms(entry.rtoMs)],
    [
      'RPO',
      entry.designed.rpo,
      entry.writes === undefined
        ? 'not measured (no writer move)'
        : `${seconds(entry.writes.rpoMs)} (${entry.writes.lost} of ${entry.writes.acknowledged} acknowledged writes lost${entry.writes.unverified > 0 ? `, ${entry.writes.unverified} unverified` : ''})`,
    ],
    ...(entry.dns === undefined
      ? []
      : [
          [
            'DNS',
            `out within ${entry.designed.rto}`,
            entry.dns.leftAfterMs === null
              ? `${entry.dns.region} never left the answers`
              : `${entry.dns.region} out of the answers after ${seconds(entry.dns.leftAfterMs)}, for ${entry.dns.outMs === null ? 'the rest of the watch (not back)' : seconds(entry.dns.outMs)}`,
          ] as [string, string, string],
        ]),
    ['errors', '', `${entry.errors} of ${entry.requests} requests, window ${seconds(entry.errorWindowMs)}`],
    ['versions', '', seen(entry.versions)],
    ['regions', '', seen(entry.regions)],
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return [
    `drill ${entry.scenario} in ${entry.region}: experiment ${entry.experimentId} ${outcome}`,
    ...rows.map(([a, b, c]) => `  ${a.padEnd(widths[0] ?? 0)}  ${b.padEnd(widths[1] ?? 0)}  ${c}`.trimEnd()),
  ].join('\n');
}

async function main(args: DrillArguments, context: RunContext): Promise<number> {
  const config = commandConfig(args.estateProfile, (m) => context.io.stderr.write(`${m}\n`), 'drill');
  if (config === undefined) return 2;
  if (!config.features.drills) {
    context.io.stderr.write(
      'The config has features.drills off: the estate defines no experiment templates.\n',
    );
    return 2;
  }
  context.progress.step('synthesizing the estate for the designed figures');
  const { synthesizeStacks } = await import('./estate-templates.ts');
  const design = drillDesign(
    args.scenario,
    posture({ stacks: synthesizeStacks(config) }),
    PROFILES[config.profile],
  );
  const region = args.region ?? config.homeRegion;
  const { fromIni } = await import('@aws-sdk/credential-providers');
  const credentials =
    args.awsProfile === undefined ? {} : { credentials: fromIni({ profile: args.awsProfile }) };
  return runDrill(
    args,
    {
      clients: awsDrillClients(region, credentials),
      design,
      tag: { key: 'app', value: config.appName },
      region,
      url: args.url ?? new URL(`https://${config.dns.domainName}/`),
    },
    context,
  );
}

if (isMain(import.meta.url)) process.exitCode = await DRILL.run(process.argv.slice(2), main);
