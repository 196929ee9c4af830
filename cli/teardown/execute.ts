// Executes a teardown plan with the clients it is given, so the tests drive it with mocks.
import type { BackupClient } from '@aws-sdk/client-backup';
import {
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import {
  clearBackupVault,
  clusterSnapshots,
  deleteLogGroup,
  deleteParameters,
  deletionProtectionCommand,
  emptyAndDeleteBucket,
  finalSnapshotPattern,
  hasDeletionProtection,
  type Ledger,
  scheduleKeyDeletion,
} from './leftovers.ts';
import type { AccountRole, PlannedStack, RetainedKind, RetainedResource, TeardownPlan } from './plan.ts';

/** The clients of one account in one region. */
export interface RegionClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly backup: BackupClient;
  readonly rds: RDSClient;
  readonly logs: CloudWatchLogsClient;
  readonly ssm: SSMClient;
}

/** Everything the execution reaches outside itself. */
export interface TeardownDeps {
  clients(role: AccountRole, region: string): RegionClients;
  sts(role: AccountRole): STSClient;
  log(line: string): void;
  sleep(ms: number): Promise<void>;
  now(): Date;
}

export interface ExecuteOptions {
  /** Read only: report what would happen. */
  readonly dryRun: boolean;
  /** Delete the Aurora clusters' final snapshots too. */
  readonly deleteSnapshots: boolean;
  /** Schedule deletion even of keys that still encrypt kept snapshots or recovery points. @default false */
  readonly deleteProtectingKeys?: boolean;
  /** Named AWS profiles, only to print commands the operator can paste. */
  readonly profiles?: { readonly primary?: string; readonly recovery?: string };
  /** Between two DescribeStacks while a stack is deleting. @default 15 000 */
  readonly pollMs?: number;
  /** Longest wait for one stack. @default 3 hours: a global database's secondary takes long. */
  readonly timeoutMs?: number;
}

/** What is gone, what goes later and what stays (and may still bill). */
export interface TeardownSummary {
  readonly removed: string[];
  readonly scheduled: string[];
  readonly kept: string[];
  /** Actions that failed; a second run retries them. */
  readonly failed: string[];
}

/** A refusal or a stop: the message says what to do. */
export class TeardownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeardownError';
  }
}

/** Where a stack stands before the teardown, and the physical ids of its resources. */
interface Located {
  readonly stack: PlannedStack;
  /** Set when the stack exists now or existed once (a deleted stack is found by its id for 90 days). */
  readonly stackId?: string;
  readonly status?: string;
  readonly physical: ReadonlyMap<string, string>;
}

const DONE = 'DELETE_COMPLETE';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const missingStack = (error: unknown) => /does not exist/.test(message(error));

/** `4m12s`. */
export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Runs the plan: the accounts checked, every stack located and its retained resources' physical ids
 * recorded, deletion protection checked, then the waves from last to first (the stacks of one wave in
 * parallel), then what the stacks leave behind. Throws TeardownError when it has to stop.
 */
export async function executePlan(
  plan: TeardownPlan,
  deps: TeardownDeps,
  options: ExecuteOptions,
): Promise<TeardownSummary> {
  const summary: TeardownSummary = { removed: [], scheduled: [], kept: [], failed: [] };
  const protecting = new Map<string, string[]>();
  const ledger: Ledger = {
    line: (text) => deps.log(text),
    removed: (what) => summary.removed.push(what),
    scheduled: (what) => summary.scheduled.push(what),
    kept: (what) => summary.kept.push(what),
    encrypts: (key, what) => protecting.set(key, [...(protecting.get(key) ?? []), what]),
  };
  const stacks = plan.waves.flatMap((w) => w.stacks);

  await verifyAccounts(plan, deps);

  const located = new Map<string, Located>();
  await Promise.all(
    stacks.map(async (stack) => {
      located.set(stack.name, await locate(stack, deps.clients(stack.role, stack.region).cloudFormation));
    }),
  );

  // Before any stack goes: a protected cluster would fail its stack's deletion half-way through the estate.
  const blockers: string[] = [];
  for (const stack of stacks) {
    const at = located.get(stack.name);
    if (at?.status === undefined || at.status === DONE) continue;
    for (const r of stack.retained.filter((x) => x.kind === 'cluster')) {
      const id = at.physical.get(r.logicalId) ?? r.physicalName;
      if (id === undefined) continue;
      if (await hasDeletionProtection(deps.clients(stack.role, stack.region).rds, id)) {
        blockers.push(deletionProtectionCommand(id, stack.region, options.profiles?.[stack.role]));
      }
    }
  }
  if (blockers.length > 0) {
    const text = `Deletion protection is on for ${blockers.length} Aurora cluster(s): CloudFormation cannot delete their stacks. Switch it off knowingly, then run the teardown again:\n${blockers.map((b) => `  ${b}`).join('\n')}`;
    if (!options.dryRun) throw new TeardownError(`${text}\nNothing was deleted.`);
    deps.log(text);
  }

  for (const { wave, stacks: inWave } of plan.waves) {
    const results = await Promise.allSettled(
      inWave.map((stack) => deleteStack(located.get(stack.name), wave, deps, options)),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [message(r.reason)] : []));
    if (failures.length > 0) {
      throw new TeardownError(
        `${failures.join('\n')}\nStopped at wave ${wave}: the earlier waves and the leftovers are untouched. Fix the cause and run the teardown again.`,
      );
    }
  }

  deps.log(options.dryRun ? 'What the stacks would leave behind:' : 'What the stacks left behind:');
  const order: RetainedKind[] = ['bucket', 'logGroup', 'vault', 'cluster', 'key', 'other'];
  for (const kind of order) {
    for (const stack of stacks) {
      for (const r of stack.retained.filter((x) => x.kind === kind)) {
        const id = located.get(stack.name)?.physical.get(r.logicalId) ?? r.physicalName;
        try {
          await leftover(r, stack, id, deps, options, ledger, protecting);
        } catch (error) {
          const what = `${r.type} ${id ?? r.logicalId} (${stack.name})`;
          deps.log(`  ${what}: failed: ${message(error)}`);
          summary.failed.push(`${what}: ${message(error)}`);
        }
      }
    }
  }
  const p = plan.parameterCopies;
  try {
    await deleteParameters(
      deps.clients(p.role, p.region).ssm,
      p.path,
      `${p.role} account, ${p.region}`,
      ledger,
      options.dryRun,
    );
  } catch (error) {
    deps.log(`  parameter copies under ${p.path}: failed: ${message(error)}`);
    summary.failed.push(`parameter copies under ${p.path} (${p.region}): ${message(error)}`);
  }
  return summary;
}

async function verifyAccounts(plan: TeardownPlan, deps: TeardownDeps): Promise<void> {
  const roles: AccountRole[] = ['primary', 'recovery'];
  const wrong: string[] = [];
  for (const role of roles) {
    const { Account } = await deps.sts(role).send(new GetCallerIdentityCommand({}));
    if (Account !== plan.accounts[role]) {
      wrong.push(
        `the ${role} credentials are for account ${Account ?? 'unknown'}, the config says ${plan.accounts[role]}`,
      );
    }
  }
  if (wrong.length > 0) {
    throw new TeardownError(
      `Refusing to tear down: ${wrong.join('; ')}. Pass --primary-profile and --recovery-profile for the right accounts. Nothing was deleted.`,
    );
  }
}

async function locate(stack: PlannedStack, cfn: CloudFormationClient): Promise<Located> {
  let stackId: string | undefined;
  let status: string | undefined;
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stack.name }));
    stackId = Stacks?.[0]?.StackId;
    status = Stacks?.[0]?.StackStatus;
  } catch (error) {
    if (!missingStack(error)) throw error;
  }
  if (stackId === undefined) {
    // Gone already (an earlier, partial run): its latest deleted incarnation still names what it kept.
    let token: string | undefined;
    let latest: { id: string; at: number } | undefined;
    do {
      const page = await cfn.send(new ListStacksCommand({ StackStatusFilter: [DONE], NextToken: token }));
      for (const s of page.StackSummaries ?? []) {
        const at = s.DeletionTime?.getTime() ?? 0;
        if (
          s.StackName === stack.name &&
          s.StackId !== undefined &&
          (latest === undefined || at > latest.at)
        ) {
          latest = { id: s.StackId, at };
        }
      }
      token = page.NextToken;
    } while (token !== undefined);
    if (latest === undefined) return { stack, physical: new Map() };
    stackId = latest.id;
    status = DONE;
  }
  // One call per retained resource: a whole-stack DescribeStackResources stops at 100 resources.
  const physical = new Map<string, string>();
  for (const { logicalId } of stack.retained) {
    const { StackResources } = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: stackId, LogicalResourceId: logicalId }),
    );
    const id = StackResources?.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId;
    if (id) physical.set(logicalId, id);
  }
  return { stack, stackId, status, physical };
}

async function deleteStack(
  at: Located | undefined,
  wave: number,
  deps: TeardownDeps,
  options: ExecuteOptions,
): Promise<void> {
  if (at === undefined) return;
  const { stack } = at;
  const prefix = `[wave ${wave}] ${stack.name}:`;
  if (at.stackId === undefined || at.status === DONE) {
    deps.log(`${prefix} already gone`);
    return;
  }
  if (options.dryRun) {
    deps.log(`${prefix} would delete (now ${at.status ?? 'unknown'})`);
    return;
  }
  const cfn = deps.clients(stack.role, stack.region).cloudFormation;
  const started = deps.now();
  if (at.status !== 'DELETE_IN_PROGRESS') {
    try {
      await cfn.send(new DeleteStackCommand({ StackName: at.stackId }));
    } catch (error) {
      if (!missingStack(error)) throw error;
    }
  }
  const pollMs = options.pollMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 3 * 3_600_000;
  for (;;) {
    let status: string | undefined;
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: at.stackId }));
      status = Stacks?.[0]?.StackStatus;
    } catch (error) {
      if (!missingStack(error)) throw error;
      status = DONE;
    }
    if (status === DONE) break;
    if (status === 'DELETE_FAILED')
      throw new Error(await failureReasons(cfn, at.stackId, stack.name, started));
    if (deps.now().getTime() - started.getTime() > timeoutMs) {
      throw new Error(`${stack.name}: still ${status} after ${elapsed(timeoutMs)}`);
    }
    await deps.sleep(pollMs);
  }
  deps.log(`${prefix} deleting… done in ${elapsed(deps.now().getTime() - started.getTime())}`);
}

async function failureReasons(
  cfn: CloudFormationClient,
  stackId: string,
  name: string,
  since: Date,
): Promise<string> {
  const reasons = new Map<string, string>();
  let token: string | undefined;
  let older = false;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }));
    for (const e of page.StackEvents ?? []) {
      // Events come newest first: older ones belong to an earlier attempt.
      if (e.Timestamp !== undefined && e.Timestamp < since) older = true;
      if (older || e.ResourceStatus !== 'DELETE_FAILED' || e.LogicalResourceId === name) continue;
      const id = `${e.LogicalResourceId} (${e.ResourceType})`;
      if (!reasons.has(id)) reasons.set(id, e.ResourceStatusReason ?? 'no reason given');
    }
    token = older ? undefined : page.NextToken;
  } while (token !== undefined);
  const lines = [...reasons].map(([id, why]) => `    ${id}: ${why}`);
  return `${name}: DELETE_FAILED\n${lines.length > 0 ? lines.join('\n') : '    no failed resource reported'}`;
}

async function leftover(
  r: RetainedResource,
  stack: PlannedStack,
  id: string | undefined,
  deps: TeardownDeps,
  options: ExecuteOptions,
  ledger: Ledger,
  protecting: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  const where = `${stack.role} account, ${stack.region}`;
  if (id === undefined) {
    deps.log(`  ${r.type} ${r.logicalId} (${stack.name}): never created (the stack was never deployed)`);
    return;
  }
  const c = deps.clients(stack.role, stack.region);
  const { dryRun } = options;
  switch (r.kind) {
    case 'bucket':
      return emptyAndDeleteBucket(c.s3, id, ledger, dryRun);
    case 'key':
      // Keys come after vaults and clusters: by now `protecting` holds everything the run keeps.
      return scheduleKeyDeletion(c.kms, id, where, ledger, dryRun, {
        protecting,
        deleteProtectingKeys: options.deleteProtectingKeys ?? false,
      });
    case 'vault':
      return clearBackupVault(c.backup, id, where, ledger, dryRun, deps.now());
    case 'cluster':
      return clusterSnapshots(
        c.rds,
        id,
        finalSnapshotPattern(stack.name, r.logicalId),
        where,
        ledger,
        dryRun,
        options.deleteSnapshots,
      );
    case 'logGroup':
      return deleteLogGroup(c.logs, id, where, ledger, dryRun);
    case 'other':
      deps.log(`  ${r.type} ${id} (${stack.name}): left in place`);
      if (!dryRun)
        ledger.kept(`${r.type} ${id} (${where}, from ${stack.name}): left in place, delete it by hand`);
  }
}

/** The closing summary: what may still bill. */
export function formatSummary(summary: TeardownSummary): string {
  const section = (title: string, items: readonly string[]) =>
    items.length === 0 ? [] : ['', `${title} (${items.length}):`, ...items.map((i) => `  - ${i}`)];
  const lines = [
    'Summary',
    ...section('removed', summary.removed),
    ...section('scheduled for deletion', summary.scheduled),
    ...section('kept: may still bill', summary.kept),
    ...section('failed: run the teardown again', summary.failed),
  ];
  if (summary.kept.length === 0 && summary.failed.length === 0)
    lines.push('', 'Nothing of the estate is left that bills.');
  return lines.join('\n');
}
