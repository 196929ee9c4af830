import {
  type Assembly,
  type AssemblyStack,
  type DeployTimeRule,
  type Finding,
  glob,
  isObject,
  list,
  literal,
  localId,
  managedPolicyNames,
  resourcesOf,
  roleStatements,
  type Statement,
  statementsOf,
} from './assembly.ts';

/** A vault with a lock, wherever it is in the assembly. */
interface LockedVault {
  readonly stack: AssemblyStack;
  readonly logicalId: string;
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
}

function lockedVaults(assembly: Assembly): LockedVault[] {
  return assembly.stacks.flatMap((stack) =>
    resourcesOf(stack, 'AWS::Backup::BackupVault').flatMap(([logicalId, r]) => {
      const lock = r.Properties?.LockConfiguration;
      const name = literal(r.Properties?.BackupVaultName, stack);
      if (!isObject(lock) || name === undefined) return [];
      const days = (v: unknown) => (typeof v === 'number' ? v : undefined);
      return [{ stack, logicalId, name, min: days(lock.MinRetentionDays), max: days(lock.MaxRetentionDays) }];
    }),
  );
}

/** The locked vault a plan names, by a token of its own stack or by ARN. */
function vaultNamed(vaults: LockedVault[], stack: AssemblyStack, value: unknown): LockedVault | undefined {
  const id = localId(value);
  if (id !== undefined) return vaults.find((v) => v.stack === stack && v.logicalId === id);
  const text = literal(value, stack);
  if (text === undefined) return undefined;
  const arn = /^arn:[^:]+:backup:([^:]+):(\d{12}):backup-vault:(.+)$/.exec(text);
  const [region, account, name] = arn === null ? [stack.region, stack.account, text] : arn.slice(1);
  return vaults.find((v) => v.stack.region === region && v.stack.account === account && v.name === name);
}

const withinLock = (vault: LockedVault, days: number | undefined) =>
  days !== undefined
    ? (vault.min === undefined || days >= vault.min) && (vault.max === undefined || days <= vault.max)
    : vault.max === undefined;

const lockText = (v: LockedVault) => `[${v.min ?? 0}, ${v.max ?? '∞'}] days`;

export const lockedVaultRetention: DeployTimeRule = {
  id: 'DT-BACKUP-LOCK-RETENTION',
  what: 'Every backup rule and copy action into a locked vault keeps its recovery points (Lifecycle.DeleteAfterDays) within the lock’s minimum and maximum retention',
  source:
    'aws-facts §17 (AWS Backup into a locked vault); AWS Backup Developer Guide, "AWS Backup Vault Lock"',
  check(assembly) {
    const vaults = lockedVaults(assembly);
    return assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Backup::BackupPlan').flatMap(([id, r]) => {
        const plan = r.Properties?.BackupPlan;
        const rules = isObject(plan) ? list(plan.BackupPlanRule).filter(isObject) : [];
        return rules.flatMap((rule) => {
          const ruleDays = deleteAfter(rule.Lifecycle);
          const targets = [
            { vault: rule.TargetBackupVault, days: ruleDays, what: 'its backups' },
            ...list(rule.CopyActions)
              .filter(isObject)
              .map((c) => ({
                vault: c.DestinationBackupVaultArn,
                days: c.Lifecycle === undefined ? ruleDays : deleteAfter(c.Lifecycle),
                what: 'its copies',
              })),
          ];
          return targets.flatMap(({ vault, days, what }): Finding[] => {
            const locked = vaultNamed(vaults, stack, vault);
            return locked === undefined || withinLock(locked, days)
              ? []
              : [
                  {
                    rule: lockedVaultRetention.id,
                    stack: stack.name,
                    logicalId: id,
                    message: `rule ${String(rule.RuleName)} keeps ${what} ${days === undefined ? 'forever' : `${days} days`} in ${locked.name}, locked to ${lockText(locked)}: the vault fails every job; set deleteAfter within the lock`,
                  },
                ];
          });
        });
      }),
    );
  },
};

function deleteAfter(lifecycle: unknown): number | undefined {
  const days = isObject(lifecycle) ? lifecycle.DeleteAfterDays : undefined;
  return typeof days === 'number' ? days : undefined;
}

/** Environment variable names a function reads its copy retention from. */
const RETENTION_SETTING = /(RETENTION_DAYS|DELETE_AFTER_DAYS)$/;

export const copyFunctionRetention: DeployTimeRule = {
  id: 'DT-BACKUP-COPY-FUNCTION-RETENTION',
  what: 'A function that starts copy jobs into a locked vault (named in its environment) is given a retention (`…RETENTION_DAYS` or `…DELETE_AFTER_DAYS`) within the lock',
  source:
    'aws-facts §17 (StartCopyJob without Lifecycle fails against a locked vault); AWS Backup API, StartCopyJob Lifecycle',
  check(assembly) {
    const vaults = lockedVaults(assembly);
    return assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Lambda::Function').flatMap(([id, r]): Finding[] => {
        const role = localId(r.Properties?.Role);
        if (role === undefined || !mayCopy(roleStatements(stack, role))) return [];
        const env = r.Properties?.Environment;
        const variables = isObject(env) && isObject(env.Variables) ? env.Variables : {};
        const locked = Object.values(variables)
          .map((v) => vaultNamed(vaults, stack, v))
          .find((v) => v !== undefined);
        if (locked === undefined) return [];
        const setting = Object.entries(variables).find(([k]) => RETENTION_SETTING.test(k));
        const days = setting === undefined ? undefined : Number(literal(setting[1], stack));
        if (days !== undefined && Number.isFinite(days) && withinLock(locked, days)) return [];
        return [
          {
            rule: copyFunctionRetention.id,
            stack: stack.name,
            logicalId: id,
            message:
              setting === undefined
                ? `starts copy jobs into ${locked.name}, locked to ${lockText(locked)}, with no retention setting: pass RETENTION_DAYS within the lock and send it as the job's Lifecycle`
                : `gives ${setting[0]} = ${JSON.stringify(setting[1])} for copies into ${locked.name}, locked to ${lockText(locked)}: the vault fails the jobs`,
          },
        ];
      }),
    );
  },
};

const mayCopy = (statements: Statement[]) =>
  statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => typeof a === 'string' && glob(a.toLowerCase()).test('backup:startcopyjob')),
  );

/**
 * Resource ARNs an action must be allowed on, by what the assembly holds: the recovery points of an
 * Aurora or RDS database are RDS snapshots, not Backup recovery points.
 */
export const ACTION_RESOURCES: readonly {
  readonly action: string;
  /** When the assembly holds a resource of this type (an engine filter for instances). */
  readonly when: (r: { Type: string; Properties?: Record<string, unknown> }) => boolean;
  /** The ARN pattern, for the account and region of the statement's stack. */
  readonly arn: (region: string, account: string) => string;
}[] = [
  {
    action: 'backup:StartCopyJob',
    when: (r) => r.Type === 'AWS::RDS::DBCluster',
    arn: (region, account) => `arn:aws:rds:${region}:${account}:cluster-snapshot:awsbackup:*`,
  },
  {
    action: 'backup:StartCopyJob',
    when: (r) =>
      r.Type === 'AWS::RDS::DBInstance' && !String(r.Properties?.Engine ?? '').startsWith('aurora'),
    arn: (region, account) => `arn:aws:rds:${region}:${account}:snapshot:awsbackup:*`,
  },
  {
    action: 'backup:StartCopyJob',
    when: (r) => r.Type === 'AWS::Backup::BackupPlan',
    arn: (region, account) => `arn:aws:backup:${region}:${account}:recovery-point:*`,
  },
];

export const actionResourceFormats: DeployTimeRule = {
  id: 'DT-POLICY-ACTION-ARNS',
  what: 'A statement allowing an action on specific resources covers the ARN format of every resource it acts on (backup:StartCopyJob on Aurora and RDS snapshots, not only Backup recovery points)',
  source:
    'aws-facts §17 (Aurora recovery points are arn:aws:rds:…:cluster-snapshot:awsbackup:…); AWS Backup Developer Guide, "Resource ARNs"',
  check(assembly) {
    const holds = (when: (typeof ACTION_RESOURCES)[number]['when']) =>
      assembly.stacks.some((s) => Object.values(s.json.Resources).some(when));
    const needed = ACTION_RESOURCES.filter((n) => holds(n.when));
    return assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, (t) => t === 'AWS::IAM::Policy' || t === 'AWS::IAM::ManagedPolicy').flatMap(
        ([id, r]) =>
          statementsOf(r.Properties?.PolicyDocument).flatMap((s) =>
            needed.flatMap((n): Finding[] => {
              if (
                s.Effect !== 'Allow' ||
                !list(s.Action).some((a) => typeof a === 'string' && a === n.action)
              )
                return [];
              const arn = n.arn(stack.region, stack.account);
              const covered = list(s.Resource).some((res) => {
                const text = literal(res, stack);
                return text !== undefined && glob(text).test(arn);
              });
              return covered
                ? []
                : [
                    {
                      rule: actionResourceFormats.id,
                      stack: stack.name,
                      logicalId: id,
                      message: `allows ${n.action} without ${arn}: add that resource or every such job is denied`,
                    },
                  ];
            }),
          ),
      ),
    );
  },
};

export const selectionRolePolicies: DeployTimeRule = {
  id: 'DT-BACKUP-SELECTION-ROLE',
  what: 'Every backup selection’s role carries AWSBackupServiceRolePolicyForBackup, and AWSBackupServiceRolePolicyForS3Backup when the selection can hold S3 buckets',
  source:
    'AWS Backup Developer Guide, "Default service role for AWS Backup" and "Amazon S3 backups: permissions"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Backup::BackupSelection').flatMap(([id, r]): Finding[] => {
        const selection = r.Properties?.BackupSelection;
        if (!isObject(selection)) return [];
        const role = localId(selection.IamRoleArn);
        if (role === undefined) return [];
        const attached = managedPolicyNames(stack, role).map((n) => n.replace(/^service-role\//, ''));
        const byTags = list(selection.ListOfTags).length > 0 || selection.Conditions !== undefined;
        const s3 = byTags || JSON.stringify(selection.Resources ?? []).includes(':s3:');
        const required = [
          'AWSBackupServiceRolePolicyForBackup',
          ...(s3 ? ['AWSBackupServiceRolePolicyForS3Backup'] : []),
        ];
        return required
          .filter((p) => !attached.includes(p))
          .map((p) => ({
            rule: selectionRolePolicies.id,
            stack: stack.name,
            logicalId: id,
            message: `role ${role} lacks the managed policy ${p}: the backup jobs of this selection fail`,
          }));
      }),
    ),
};
