// The account-loss runbook (DR-3) step by step: find the sources and their ages, deploy the recovered
// estate from them, bring back what stacks do not, check DNS, verify every engine; each step's time
// against the report's budget. A dry run reads and prints the exact calls and commands; a second run
// skips the steps an earlier one finished.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { type RestoreSettings, readRestoreSettings } from '../../infra/config/restore.ts';
import { ACCOUNT_RUNBOOK_BUDGET, duration } from '../dr-posture.ts';
import type { Progress } from '../lib/progress.ts';
import { call, type RecoverClients, RecoverError } from './clients.ts';
import { checkCheckout, deploy, deployCommand, formatCommand, type Runner } from './deploy.ts';
import { checkDns } from './dns.ts';
import {
  type DesignedRpo,
  findSources,
  judgeSources,
  readManifest,
  restoreSettings,
  type SourceLocations,
} from './find.ts';
import { importParameters, planImport } from './parameters.ts';
import type { RecoverPlan } from './plan.ts';
import { RECOVER_STEPS, type RecoverState, type RecoverStep, readState, writeState } from './state.ts';
import { verifyEngine } from './verify.ts';

/** The report's budget phase each step counts against. */
const PHASE: Readonly<Record<RecoverStep, keyof typeof ACCOUNT_RUNBOOK_BUDGET>> = {
  find: 'recoveryPoints',
  deploy: 'redeploy',
  parameters: 'redeploy',
  buckets: 'redeploy',
  dns: 'dnsSwitch',
  verify: 'verify',
};

const TITLE: Readonly<Record<RecoverStep, string>> = {
  find: '1. find the recovery sources and their ages',
  deploy: '2. deploy the recovered estate into the recovery account',
  parameters: '3. import the parameter export',
  buckets: "4. copy the data buckets' objects",
  dns: '5. DNS: app resolves through the recovery account',
  verify: '6. verify every recovered engine',
};

/** What the runbook was asked to do. */
export interface RecoverOptions {
  /** Only read, and print what would be written, deployed and called. */
  readonly dryRun: boolean;
  /** Go on with a missing source or a recovery point older than the designed RPO. */
  readonly acceptRpo: boolean;
  /** Deploy a checkout that is not at the released commit. */
  readonly acceptCheckout: boolean;
  /** The config profile (handed to the CDK app). */
  readonly estateProfile?: string;
  /** The recovery account's AWS CLI profile (handed to the CDK CLI). */
  readonly awsProfile?: string;
  /** This recovery's working directory (state and restore file). */
  readonly directory: string;
  /** How long the engines may take to answer right. */
  readonly verifyTimeoutMs: number;
}

/** What the runbook works with; the tests hand in mocks, a runner that records, a fast clock. */
export interface RecoverDeps {
  readonly clients: RecoverClients;
  readonly runner: Runner;
  readonly fetch: typeof fetch;
  /** The name servers public resolvers give for a domain. */
  readonly nameServers: (domain: string) => Promise<string[]>;
  /** The designed RPOs (the report's rows). */
  readonly designed: () => DesignedRpo;
  readonly progress: Progress;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** What a run did, for `--json` and the summary. */
export interface RecoverOutcome {
  readonly dryRun: boolean;
  readonly restoreFile: string;
  readonly restore?: RestoreSettings;
  /** The exact command the deploy runs. */
  readonly deployCommand: string;
  /** Each step: finished now, earlier, planned (dry run), or where it stopped. */
  readonly steps: readonly {
    readonly step: RecoverStep;
    readonly status: 'done' | 'done earlier' | 'planned' | 'failed' | 'not reached';
    readonly seconds?: number;
  }[];
  /** Each budget phase: its time so far against the report's budget. */
  readonly budget: readonly { readonly phase: string; readonly seconds: number; readonly budget: number }[];
  /** The error that stopped the run. */
  readonly error?: string;
}

/** The replica bucket's top-level prefixes other than the parameter export's. */
async function otherReplicaPrefixes(clients: RecoverClients, replica: SourceLocations['replica']) {
  const prefixes: string[] = [];
  await call('s3:ListObjectsV2', replica.region, async () => {
    const pages = paginateListObjectsV2(
      { client: clients.s3(replica.region) },
      { Bucket: replica.bucket, Delimiter: '/' },
    );
    for await (const page of pages) {
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix !== undefined && p.Prefix !== 'manifests/' && p.Prefix !== 'parameters/')
          prefixes.push(p.Prefix);
      }
      for (const o of page.Contents ?? []) if (o.Key !== undefined) prefixes.push(o.Key);
    }
  });
  return prefixes;
}

/** Runs the runbook; throws nothing the operator cannot act on: a {@link RecoverError} ends in `error`. */
export async function recover(
  deps: RecoverDeps,
  plan: RecoverPlan,
  options: RecoverOptions,
): Promise<RecoverOutcome> {
  const { clients, progress } = deps;
  const note = (line: string) => progress.note(line);
  const earlier = readState(options.directory);
  const restoreFile = earlier?.restoreFile ?? join(options.directory, 'restore.json');
  const state: RecoverState = earlier ?? { format: 'recover-state/1', restoreFile, done: {} };
  const command = deployCommand({
    restoreFile,
    estateProfile: options.estateProfile,
    awsProfile: options.awsProfile,
  });
  const statuses = new Map<RecoverStep, RecoverOutcome['steps'][number]>();
  let restore: RestoreSettings | undefined;

  const save = () => {
    if (!options.dryRun) writeState(options.directory, state);
  };
  /** Runs a step unless an earlier run finished it; records its time. */
  const step = async (id: RecoverStep, body: () => Promise<void>) => {
    const seconds = state.done[id];
    if (seconds !== undefined) {
      note(`${TITLE[id]}: done in an earlier run (${seconds.toFixed(1)} s), skipped`);
      statuses.set(id, { step: id, status: 'done earlier', seconds });
      return;
    }
    progress.step(TITLE[id]);
    statuses.set(id, { step: id, status: 'failed' });
    await body();
    progress.done(options.dryRun ? 'planned' : 'done');
    const took = (progress.steps.at(-1)?.durationMs ?? 0) / 1000;
    if (options.dryRun) statuses.set(id, { step: id, status: 'planned' });
    else {
      state.done[id] = took;
      statuses.set(id, { step: id, status: 'done', seconds: took });
      save();
    }
  };

  let error: string | undefined;
  try {
    note(
      `Recovering into account ${plan.account}: regions ${plan.regions.join(', ')}; engines ${plan.endpoints.map((e) => e.name).join(', ') || 'none'}${options.dryRun ? ' (dry run: reads only, nothing written or deployed)' : ''}`,
    );
    await step('find', async () => {
      const found = await findSources(clients, plan.sources);
      const judged = judgeSources(found, deps.designed(), deps.now());
      for (const line of judged.lines) note(`  ${line}`);
      if (judged.problems.length > 0 && !options.acceptRpo)
        throw new RecoverError(
          `refusing to recover:\n${judged.problems.map((p) => `  - ${p}`).join('\n')}\nRun again with --accept-rpo to recover from what there is, accepting that loss.`,
        );
      for (const p of judged.problems) note(`  accepted (--accept-rpo): ${p}`);
      if (found.release !== undefined) {
        const { version, commit, builtAt } = found.release;
        state.release = { version, commit, builtAt: builtAt.toISOString() };
      }
      restore = restoreSettings(found, deps.now());
      if (options.dryRun) note(`  would write ${restoreFile}: ${JSON.stringify(restore)}`);
      else {
        mkdirSync(options.directory, { recursive: true });
        writeFileSync(restoreFile, `${JSON.stringify(restore, null, 2)}\n`);
        note(`  wrote ${restoreFile}`);
      }
    });
    restore ??= readRestoreSettings(restoreFile);

    await step('deploy', async () => {
      if (state.release !== undefined) {
        const checkout = await checkCheckout(deps.runner, state.release);
        note(`  ${checkout.line}`);
        if (!checkout.ok) {
          if (options.acceptCheckout) note('  accepted (--accept-checkout): deploying this checkout');
          else if (options.dryRun) note('  the deploy would refuse this checkout');
          else throw new RecoverError(`refusing to deploy: ${checkout.line}`);
        }
      }
      if (options.dryRun) note(`  would run: ${formatCommand(command)}`);
      else await deploy(deps.runner, command);
    });

    await step('parameters', async () => {
      const exported = restore?.parameters;
      if (exported === undefined) {
        note('  no parameter export to import');
        return;
      }
      const manifest = await readManifest(clients, plan.sources.replica, exported.manifestKey);
      const imports = await planImport(clients, plan.sources.replica, manifest);
      for (const l of imports.left) note(`  leaves ${l.name}: ${l.why}`);
      if (options.dryRun) {
        note(
          `  would call ssm:PutParameter (never over a newer value) in ${plan.regions.join(', ')} for: ${imports.parameters.map((p) => `${p.name} v${p.version}`).join(', ') || 'nothing'}`,
        );
        return;
      }
      const outcome = await importParameters(clients, plan.sources.replica, imports, plan.regions, note);
      note(
        `  ${outcome.imported.length} written, ${outcome.skipped.length} left as they are (${[...new Set(outcome.skipped.map((s) => s.why))].join('; ') || 'none'})`,
      );
    });

    await step('buckets', async () => {
      const others = await otherReplicaPrefixes(clients, plan.sources.replica);
      if (others.length === 0)
        note(
          `  s3://${plan.sources.replica.bucket} holds only the parameter export: the estate replicates no data bucket, nothing to copy`,
        );
      else
        throw new RecoverError(
          `s3://${plan.sources.replica.bucket} holds ${others.join(', ')}, which no recovered bucket takes: copy them where they belong (aws s3 sync), then run again`,
        );
    });

    await step('dns', async () => {
      const dns = await checkDns(clients, plan.domain, deps.nameServers, plan.delegation);
      note(`  ${dns.line}`);
      if (dns.ok) return;
      if (options.dryRun) note(`  then: ${dns.manual}`);
      else throw new RecoverError(`DNS is not switched yet: ${dns.manual}`);
    });

    await step('verify', async () => {
      if (options.dryRun) {
        for (const e of plan.endpoints)
          note(`  would check ${e.url}: GET /health/deep, POST /store, GET /store/<id>`);
        return;
      }
      const deadline = deps.now().getTime() + options.verifyTimeoutMs;
      const verdicts = await Promise.all(
        plan.endpoints.map((e) =>
          verifyEngine(
            { fetch: deps.fetch, now: () => deps.now().getTime(), sleep: deps.sleep },
            { deadline, requestTimeoutMs: 10_000, pollMs: 15_000 },
            e,
          ),
        ),
      );
      for (const v of verdicts)
        note(`  ${v.name}: ${v.ok ? 'right' : 'WRONG'} after ${v.attempts} attempt(s): ${v.detail}`);
      const wrong = verdicts.filter((v) => !v.ok);
      if (wrong.length > 0)
        throw new RecoverError(
          `${wrong.map((v) => v.name).join(', ')} did not answer right within ${duration(options.verifyTimeoutMs / 1000)}: ${wrong.map((v) => `${v.name}: ${v.detail}`).join('; ')}`,
        );
    });
  } catch (caught) {
    if (!(caught instanceof RecoverError)) throw caught;
    progress.done('failed');
    error = caught.message;
    const failed = [...statuses.values()].find((s) => s.status === 'failed');
    if (failed !== undefined)
      statuses.set(failed.step, { ...failed, seconds: (progress.steps.at(-1)?.durationMs ?? 0) / 1000 });
  }

  const steps = RECOVER_STEPS.map((id) => statuses.get(id) ?? { step: id, status: 'not reached' as const });
  const budget = Object.entries(ACCOUNT_RUNBOOK_BUDGET).map(([phase, seconds]) => ({
    phase,
    seconds: steps.filter((s) => PHASE[s.step] === phase).reduce((sum, s) => sum + (s.seconds ?? 0), 0),
    budget: seconds,
  }));
  return {
    dryRun: options.dryRun,
    restoreFile,
    ...(restore === undefined ? {} : { restore }),
    deployCommand: formatCommand(command),
    steps,
    budget,
    ...(error === undefined ? {} : { error }),
  };
}

/** The outcome for a reader: each step's status and time, each phase against its budget. */
export function formatRecoverOutcome(outcome: RecoverOutcome): string {
  const lines = ['steps:'];
  for (const s of outcome.steps)
    lines.push(
      `  ${TITLE[s.step].padEnd(58)} ${s.status}${s.seconds === undefined ? '' : ` in ${s.seconds.toFixed(1)} s`}`,
    );
  lines.push('', 'time against the designed budget (npm run report):');
  const total = outcome.budget.reduce((sum, b) => sum + b.seconds, 0);
  const allowed = outcome.budget.reduce((sum, b) => sum + b.budget, 0);
  for (const b of outcome.budget)
    lines.push(
      `  ${b.phase.padEnd(15)} ${b.seconds.toFixed(1).padStart(8)} s of ≤ ${duration(b.budget)}${b.seconds > b.budget ? '  OVER' : ''}`,
    );
  lines.push(`  ${'total'.padEnd(15)} ${total.toFixed(1).padStart(8)} s of ≤ ${duration(allowed)}`);
  if (outcome.error !== undefined)
    lines.push('', `Stopped: ${outcome.error}`, 'Run the same command again to resume from this step.');
  if (outcome.dryRun)
    lines.push('', 'Dry run: nothing was written, deployed or changed. Run again with --yes to recover.');
  else if (outcome.error === undefined)
    lines.push('', 'Recovered: every engine answers right from the recovered data.');
  return lines.join('\n');
}
