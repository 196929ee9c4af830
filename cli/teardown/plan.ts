// The teardown plan, from the synthesized stacks only: which stack goes when, and what each leaves behind.
import { deployWaves } from '../../infra/lib/waves.ts';

/** Which account of the estate a stack lives in: each has its own credentials. */
export type AccountRole = 'primary' | 'recovery';

/** A template resource as far as the teardown reads it. */
export interface PlanResource {
  readonly Type: string;
  readonly DeletionPolicy?: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** A synthesized stack as the plan needs it. */
export interface PlanInput {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly dependsOn: readonly string[];
  readonly template: { readonly Resources?: Readonly<Record<string, unknown>> };
}

/** What the teardown does with a resource CloudFormation keeps. */
export type RetainedKind = 'bucket' | 'key' | 'vault' | 'cluster' | 'logGroup' | 'other';

/** A resource that survives DeleteStack. */
export interface RetainedResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly kind: RetainedKind;
  /** `Retain` or `Snapshot`. */
  readonly deletionPolicy: string;
  /** The name the template fixes; otherwise it is read from the stack before the stack goes. */
  readonly physicalName?: string;
  /** Aurora only: the template switches deletion protection on, so DeleteStack would fail. */
  readonly deletionProtection?: boolean;
}

/** One stack of the plan. */
export interface PlannedStack {
  readonly name: string;
  readonly role: AccountRole;
  readonly account: string;
  readonly region: string;
  readonly wave: number;
  readonly dependsOn: readonly string[];
  readonly retained: readonly RetainedResource[];
}

/** The estate's accounts and names, as the config gives them. */
export interface PlanConfig {
  readonly appName: string;
  readonly profile: string;
  readonly accounts: { readonly primary: string; readonly recovery?: string };
  readonly recoveryRegion: string;
}

/** The whole teardown. */
export interface TeardownPlan {
  readonly appName: string;
  readonly profile: string;
  readonly accounts: { readonly primary: string; readonly recovery?: string };
  /** Last deploy wave first; each wave's stacks by name. */
  readonly waves: readonly { readonly wave: number; readonly stacks: readonly PlannedStack[] }[];
  /** The parameter backup's copies: written by a function, owned by no stack. */
  readonly parameterCopies: { readonly role: AccountRole; readonly region: string; readonly path: string };
}

const KINDS: Readonly<Record<string, RetainedKind>> = {
  'AWS::S3::Bucket': 'bucket',
  'AWS::KMS::Key': 'key',
  'AWS::Backup::BackupVault': 'vault',
  'AWS::RDS::DBCluster': 'cluster',
  'AWS::Logs::LogGroup': 'logGroup',
};

const NAME_PROPERTY: Readonly<Record<RetainedKind, string | undefined>> = {
  bucket: 'BucketName',
  key: undefined,
  vault: 'BackupVaultName',
  cluster: 'DBClusterIdentifier',
  logGroup: 'LogGroupName',
  other: undefined,
};

// Snapshot keeps a copy of the data, and RetainExceptOnCreate keeps the resource once created: both bill.
const KEPT_POLICIES = new Set(['Retain', 'Snapshot', 'RetainExceptOnCreate']);

/** The resources of `stack` that DeleteStack leaves behind, by logical id. */
export function retainedResources(stack: PlanInput): RetainedResource[] {
  const resources = Object.entries(stack.template.Resources ?? {}) as [string, PlanResource][];
  return resources
    .filter(([, r]) => r.DeletionPolicy !== undefined && KEPT_POLICIES.has(r.DeletionPolicy))
    .map(([logicalId, r]) => {
      const kind = KINDS[r.Type] ?? 'other';
      const property = NAME_PROPERTY[kind];
      const name = property === undefined ? undefined : r.Properties?.[property];
      const protection = r.Properties?.DeletionProtection;
      return {
        stack: stack.name,
        logicalId,
        type: r.Type,
        kind,
        deletionPolicy: r.DeletionPolicy ?? 'Retain',
        ...(typeof name === 'string' ? { physicalName: name } : {}),
        ...(kind === 'cluster' ? { deletionProtection: protection === true } : {}),
      };
    })
    .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
}

/**
 * Stacks in reverse deploy waves, so every stack goes after all the stacks that depend on it; throws when a
 * stack is in neither account of the config, since no credentials could reach it.
 */
export function teardownPlan(stacks: readonly PlanInput[], config: PlanConfig): TeardownPlan {
  const waves = deployWaves(stacks.map((s) => ({ name: s.name, dependsOn: s.dependsOn })));
  const role = (s: PlanInput): AccountRole => {
    if (s.account === config.accounts.primary) return 'primary';
    if (s.account === config.accounts.recovery) return 'recovery';
    throw new Error(
      `stack ${s.name} is in account ${s.account}, neither the primary nor the recovery account`,
    );
  };
  const planned: PlannedStack[] = stacks.map((s) => ({
    name: s.name,
    role: role(s),
    account: s.account,
    region: s.region,
    wave: waves.get(s.name) ?? 0,
    dependsOn: [...s.dependsOn],
    retained: retainedResources(s),
  }));
  const numbers = [...new Set(planned.map((s) => s.wave))].sort((a, b) => b - a);
  return {
    appName: config.appName,
    profile: config.profile,
    accounts: { ...config.accounts },
    waves: numbers.map((wave) => ({
      wave,
      stacks: planned.filter((s) => s.wave === wave).sort((a, b) => a.name.localeCompare(b.name)),
    })),
    parameterCopies: {
      role: 'primary',
      region: config.recoveryRegion,
      path: `/${config.appName.toLowerCase()}/`,
    },
  };
}

/** The stacks of `plan` in the order they are deleted. */
export function stackOrder(plan: TeardownPlan): PlannedStack[] {
  return plan.waves.flatMap((w) => w.stacks);
}

/** What the teardown does with a retained resource, in words. */
export function retainedAction(r: RetainedResource): string {
  switch (r.kind) {
    case 'bucket':
      return 'every object version and delete marker deleted, then the bucket';
    case 'key':
      return 'deletion scheduled in 7 days, the minimum, unless it still encrypts a snapshot or recovery point that stays (then kept and listed; --delete-protecting-keys deletes it anyway)';
    case 'vault':
      return 'recovery points deleted (a vault lock keeps those younger than its minimum retention), then the vault when empty; a compliance-locked vault is kept and listed until its last point expires';
    case 'cluster':
      return `${r.deletionProtection ? 'deletion protection on: switch it off first; ' : ''}the final snapshot the stack made deleted with --delete-snapshots, otherwise listed (storage billed until deleted); other manual snapshots never deleted`;
    case 'logGroup':
      return 'log group deleted';
    case 'other':
      return 'left in place';
  }
}

/** The plan as the dry run prints it. */
export function formatPlan(plan: TeardownPlan): string {
  const stacks = stackOrder(plan);
  const width = Math.max(...stacks.map((s) => s.name.length));
  const lines = [
    `Teardown of ${plan.appName} (profile ${plan.profile}): primary account ${plan.accounts.primary}, ${plan.accounts.recovery === undefined ? 'no recovery account' : `recovery account ${plan.accounts.recovery}`}`,
    `${stacks.length} stacks in ${plan.waves.length} waves, last deploy wave first; the stacks of a wave are deleted in parallel.`,
  ];
  for (const { wave, stacks: inWave } of plan.waves) {
    lines.push('', `wave ${wave}`);
    for (const s of inWave) {
      lines.push(`  ${s.name.padEnd(width)}  ${s.role.padEnd(8)}  ${s.account}  ${s.region}`);
      for (const r of s.retained) {
        const name = r.physicalName ?? 'name read from the stack';
        lines.push(`    keeps ${r.type} ${r.logicalId} (${name}, ${r.deletionPolicy}): ${retainedAction(r)}`);
      }
    }
  }
  const p = plan.parameterCopies;
  lines.push(
    '',
    'after the stacks',
    `  the parameter copies under ${p.path} in the ${p.role} account, ${p.region} (owned by no stack): deleted`,
  );
  return lines.join('\n');
}
