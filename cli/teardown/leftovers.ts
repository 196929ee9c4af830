// What CloudFormation leaves behind: every call here tolerates the resource being gone already, so a second
// run finishes what a partial one started.
import {
  type BackupClient,
  DeleteBackupVaultAccessPolicyCommand,
  DeleteBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { type CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, type KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsCommandOutput,
  DescribeDBClustersCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DeleteParametersCommand, GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Where the outcome of each action goes: the final summary is built from these. */
export interface Ledger {
  /** Progress, one line per action. */
  line(text: string): void;
  removed(what: string): void;
  scheduled(what: string): void;
  /** Still there and possibly billing, with the reason. */
  kept(what: string): void;
  /** Kept data `what` is encrypted with `key` (an ARN): the key must outlive it to keep it readable. */
  encrypts(key: string, what: string): void;
}

/** KMS refuses fewer days; the shortest wait is what stops the key from billing soonest. */
export const KEY_PENDING_DAYS = 7;
/** DeleteObjects takes at most this many keys. */
export const DELETE_OBJECTS_BATCH = 1000;
/** DeleteParameters takes at most this many names. */
export const DELETE_PARAMETERS_BATCH = 10;
// Aurora backup storage list price per GB-month (us-east-1); only a hint of what a kept snapshot costs.
const SNAPSHOT_USD_PER_GB_MONTH = 0.021;

const DAY_MS = 86_400_000;

export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * Deletes every object version and delete marker of a (versioned or not) bucket, a page of at most 1000 at a
 * time, then the bucket. Access logs may land in a bucket after it was emptied, so emptying is tried again
 * when S3 says the bucket is not empty.
 */
export async function emptyAndDeleteBucket(
  s3: S3Client,
  bucket: string,
  ledger: Ledger,
  dryRun: boolean,
): Promise<void> {
  const what = `bucket ${bucket}`;
  for (let attempt = 1; ; attempt++) {
    let versions = 0;
    let batches = 0;
    try {
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            MaxKeys: DELETE_OBJECTS_BATCH,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
          }),
        );
        const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap(
          (v) => (v.Key === undefined ? [] : [{ Key: v.Key, VersionId: v.VersionId }]),
        );
        for (let i = 0; i < objects.length; i += DELETE_OBJECTS_BATCH) {
          const batch = objects.slice(i, i + DELETE_OBJECTS_BATCH);
          versions += batch.length;
          batches++;
          if (dryRun) continue;
          const result = await s3.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
          );
          const failed = result.Errors ?? [];
          if (failed.length > 0) {
            const first = failed[0];
            throw new Error(
              `${failed.length} objects of ${bucket} not deleted (first: ${first?.Key} ${first?.Code} ${first?.Message})`,
            );
          }
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker !== undefined);
      if (dryRun) {
        ledger.line(
          `  ${what}: would delete ${versions} object versions and delete markers, then the bucket`,
        );
        return;
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') {
        ledger.line(`  ${what}: already gone`);
        return;
      }
      if (errorName(error) === 'BucketNotEmpty' && attempt < 3) continue;
      throw error;
    }
    ledger.line(
      `  ${what}: ${versions} object versions and delete markers deleted in ${batches} batches, bucket deleted`,
    );
    ledger.removed(what);
    return;
  }
}

/** What the key step needs to know of the rest of the teardown. */
export interface KeyDeletionOptions {
  /** Kept data by the ARN of the key that encrypts it (snapshots, recovery points the run keeps). */
  readonly protecting: ReadonlyMap<string, readonly string[]>;
  /** Schedule deletion even of a key that still encrypts kept data (it becomes unreadable for good). */
  readonly deleteProtectingKeys: boolean;
}

/**
 * Schedules the key's deletion after the 7-day minimum; a key already pending deletion keeps its date. A
 * key that still encrypts data the teardown keeps (a final snapshot, a locked recovery point) is kept and
 * listed instead: deleting it would make that data unreadable after 7 days, so only an explicit
 * `deleteProtectingKeys` does.
 */
export async function scheduleKeyDeletion(
  kms: KMSClient,
  keyId: string,
  where: string,
  ledger: Ledger,
  dryRun: boolean,
  options: KeyDeletionOptions = { protecting: new Map(), deleteProtectingKeys: false },
): Promise<void> {
  const what = `KMS key ${keyId} (${where})`;
  let state: string | undefined;
  let pendingUntil: Date | undefined;
  let arn: string | undefined;
  try {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    state = KeyMetadata?.KeyState;
    pendingUntil = KeyMetadata?.DeletionDate;
    arn = KeyMetadata?.Arn;
  } catch (error) {
    if (errorName(error) === 'NotFoundException') {
      ledger.line(`  ${what}: already gone`);
      return;
    }
    throw error;
  }
  if (state === 'PendingDeletion') {
    const date = pendingUntil === undefined ? 'its scheduled date' : isoDate(pendingUntil);
    ledger.line(`  ${what}: already pending deletion on ${date}`);
    ledger.scheduled(`${what}: deleted on ${date}`);
    return;
  }
  const protecting = [arn, keyId].flatMap((k) => (k === undefined ? [] : (options.protecting.get(k) ?? [])));
  if (protecting.length > 0 && !options.deleteProtectingKeys) {
    const list = protecting.join('; ');
    ledger.line(
      `  ${what}: ${dryRun ? 'would be kept' : 'kept'}: it still encrypts ${protecting.length} kept item(s): ${list}`,
    );
    if (!dryRun) {
      ledger.kept(
        `${what}: still encrypts ${list}; npm run teardown -- --yes --delete-protecting-keys schedules its deletion, after which they can never be read`,
      );
    }
    return;
  }
  const warning =
    protecting.length > 0 ? ` (${protecting.length} kept item(s) it encrypts become unreadable then)` : '';
  if (dryRun) {
    ledger.line(`  ${what}: would schedule deletion in ${KEY_PENDING_DAYS} days${warning}`);
    return;
  }
  const result = await kms.send(
    new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: KEY_PENDING_DAYS }),
  );
  const date =
    result.DeletionDate === undefined ? `in ${KEY_PENDING_DAYS} days` : isoDate(result.DeletionDate);
  ledger.line(`  ${what}: deletion scheduled on ${date}${warning}`);
  ledger.scheduled(`${what}: deleted on ${date}${warning}`);
}

/**
 * Deletes the vault's recovery points, then the vault once empty. A locked vault refuses to delete points
 * younger than its minimum retention: those stay, reported with their date, and so does the vault. A vault
 * in compliance mode (a lock date) keeps every point until its lifecycle expires it, and itself until the
 * last one has: it is skipped and listed. The lock itself is never touched: removing it is what the lock
 * exists to prevent. Every point kept is recorded against the key that encrypts it.
 */
export async function clearBackupVault(
  backup: BackupClient,
  vault: string,
  where: string,
  ledger: Ledger,
  dryRun: boolean,
  now: Date,
): Promise<void> {
  const what = `backup vault ${vault} (${where})`;
  let minRetentionDays: number | undefined;
  let compliance = false;
  try {
    const v = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: vault }));
    minRetentionDays = v.Locked ? v.MinRetentionDays : undefined;
    compliance = v.Locked === true && v.LockDate !== undefined;
  } catch (error) {
    // Only a vault that is not there is gone: AccessDenied means the run cannot see it, a failure.
    if (errorName(error) === 'ResourceNotFoundException') {
      ledger.line(`  ${what}: already gone`);
      return;
    }
    throw error;
  }
  const points: RecoveryPointByBackupVault[] = [];
  let token: string | undefined;
  do {
    const page = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, NextToken: token }),
    );
    points.push(...(page.RecoveryPoints ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  const keep = (point: RecoveryPointByBackupVault) => {
    if (point.EncryptionKeyArn !== undefined)
      ledger.encrypts(point.EncryptionKeyArn, `recovery point ${point.RecoveryPointArn} in ${what}`);
  };
  if (compliance) {
    const live = points.filter((p) => p.Status !== 'DELETING');
    for (const point of live) keep(point);
    const last = live
      .map((p) => p.CalculatedLifecycle?.DeleteAt)
      .filter((d): d is Date => d !== undefined)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    const until =
      live.length === 0
        ? ''
        : `, the last expiring ${last === undefined ? 'at its lifecycle' : `on ${isoDate(last)}`}`;
    ledger.line(
      `  ${what}: compliance lock, ${dryRun ? 'would be kept' : 'kept'}: nobody can delete its ${live.length} recovery points before they expire${until}`,
    );
    if (!dryRun) {
      ledger.kept(
        `${what}: compliance lock, holds ${live.length} recovery points (storage billed) until they expire${until}; run the teardown again after that to delete the vault`,
      );
    }
    return;
  }
  // The vault's access policy denies DeleteRecoveryPoint to every principal, administrators included
  // (the estate's guard against deleting copies by mistake): a teardown that means it lifts it first.
  if (!dryRun && points.some((p) => p.Status !== 'DELETING')) {
    try {
      await backup.send(new DeleteBackupVaultAccessPolicyCommand({ BackupVaultName: vault }));
      ledger.line(`  ${what}: access policy removed (it denies every principal DeleteRecoveryPoint)`);
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
  let deleted = 0;
  let left = 0;
  for (const point of points) {
    const arn = point.RecoveryPointArn ?? '';
    if (point.Status === 'DELETING') {
      left++;
      continue;
    }
    const created = point.CreationDate;
    const lockedUntil =
      minRetentionDays !== undefined && created !== undefined
        ? new Date(created.getTime() + minRetentionDays * DAY_MS)
        : undefined;
    if (lockedUntil !== undefined && lockedUntil > now) {
      left++;
      keep(point);
      ledger.kept(
        `recovery point ${arn} in ${what}: kept until ${isoDate(lockedUntil)}, the vault lock allows no earlier deletion`,
      );
      continue;
    }
    if (dryRun) {
      deleted++;
      continue;
    }
    try {
      await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: arn }));
      deleted++;
    } catch (error) {
      left++;
      keep(point);
      ledger.kept(`recovery point ${arn} in ${what}: not deleted (${describe(error)})`);
    }
  }
  if (dryRun) {
    ledger.line(
      `  ${what}: would delete ${deleted} recovery points${left > 0 ? `, ${left} stay` : ''}${left === 0 ? ', then the vault' : ''}`,
    );
    return;
  }
  if (left > 0) {
    ledger.line(`  ${what}: ${deleted} recovery points deleted, ${left} stay, so the vault stays`);
    ledger.kept(`${what}: holds ${left} recovery points; run the teardown again once they can go`);
    return;
  }
  try {
    await backup.send(new DeleteBackupVaultCommand({ BackupVaultName: vault }));
  } catch (error) {
    // Deleted recovery points linger a while in DELETING; the vault can go on the next run.
    ledger.line(`  ${what}: ${deleted} recovery points deleted, the vault not yet (${describe(error)})`);
    ledger.kept(`${what}: recovery points still being deleted; run the teardown again`);
    return;
  }
  ledger.line(`  ${what}: ${deleted} recovery points deleted, vault deleted`);
  ledger.removed(what);
}

/** True when the cluster exists with deletion protection on. */
export async function hasDeletionProtection(rds: RDSClient, cluster: string): Promise<boolean> {
  try {
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }));
    return DBClusters?.some((c) => c.DeletionProtection === true) ?? false;
  } catch (error) {
    if (errorName(error) === 'DBClusterNotFoundFault') return false;
    throw error;
  }
}

/** The command that switches deletion protection off, for the operator to run knowingly. */
export function deletionProtectionCommand(cluster: string, region: string, profile?: string): string {
  return `aws rds modify-db-cluster --db-cluster-identifier ${cluster} --no-deletion-protection --apply-immediately --region ${region}${profile === undefined ? '' : ` --profile ${profile}`}`;
}

/**
 * The identifier prefix of the final snapshot CloudFormation takes of a cluster with DeletionPolicy
 * Snapshot: `<stack name>-Snapshot-<logical id>-` and 12 random letters and digits (the RDS resource
 * provider's generated identifier, which RDS stores in lower case).
 */
export function finalSnapshotPattern(stackName: string, logicalId: string): RegExp {
  const literal = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal(stackName)}-Snapshot-${literal(logicalId)}-[a-z0-9]{12}$`, 'i');
}

/**
 * The manual snapshots of a deleted cluster: the final snapshot its stack made is deleted only when
 * asked, since it is the last copy of the data; any other (an operator's) is never deleted, only listed.
 * Every snapshot kept is recorded against the key that encrypts it.
 */
export async function clusterSnapshots(
  rds: RDSClient,
  cluster: string,
  finalSnapshot: RegExp,
  where: string,
  ledger: Ledger,
  dryRun: boolean,
  deleteSnapshots: boolean,
): Promise<void> {
  let marker: string | undefined;
  let found = 0;
  do {
    let page: DescribeDBClusterSnapshotsCommandOutput;
    try {
      page = await rds.send(
        new DescribeDBClusterSnapshotsCommand({
          DBClusterIdentifier: cluster,
          SnapshotType: 'manual',
          Marker: marker,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'DBClusterNotFoundFault') break;
      throw error;
    }
    for (const snap of page.DBClusterSnapshots ?? []) {
      if (snap.DBClusterIdentifier !== cluster) continue;
      const id = snap.DBClusterSnapshotIdentifier ?? '';
      found++;
      const what = `Aurora snapshot ${id} of ${cluster} (${where})`;
      const gb = snap.AllocatedStorage ?? 0;
      const hint = `${gb} GB, about $${(gb * SNAPSHOT_USD_PER_GB_MONTH).toFixed(2)}/month: storage billed until deleted`;
      const kept = (reason: string, how: string) => {
        if (snap.KmsKeyId !== undefined) ledger.encrypts(snap.KmsKeyId, what);
        ledger.line(`  ${what}: ${reason} (${hint})`);
        if (!dryRun) ledger.kept(`${what}: ${hint}; ${how}`);
      };
      if (!finalSnapshot.test(id)) {
        kept(
          'kept, not the final snapshot of the stack',
          'not made by the stack, so the teardown never deletes it',
        );
        continue;
      }
      if (!deleteSnapshots) {
        kept('kept', 'npm run teardown -- --yes --delete-snapshots deletes it');
        continue;
      }
      if (dryRun) {
        ledger.line(`  ${what}: would delete (${hint})`);
        continue;
      }
      try {
        await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
      } catch (error) {
        if (errorName(error) === 'DBClusterSnapshotNotFoundFault') continue;
        throw error;
      }
      ledger.line(`  ${what}: deleted`);
      ledger.removed(what);
    }
    marker = page.Marker;
  } while (marker !== undefined);
  if (found === 0) ledger.line(`  Aurora cluster ${cluster} (${where}): no manual snapshot left`);
}

/** Deletes a retained log group. */
export async function deleteLogGroup(
  logs: CloudWatchLogsClient,
  name: string,
  where: string,
  ledger: Ledger,
  dryRun: boolean,
): Promise<void> {
  const what = `log group ${name} (${where})`;
  if (dryRun) {
    ledger.line(`  ${what}: would delete`);
    return;
  }
  try {
    await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      ledger.line(`  ${what}: already gone`);
      return;
    }
    throw error;
  }
  ledger.line(`  ${what}: deleted`);
  ledger.removed(what);
}

/** Deletes every parameter under `path` (the copies the parameter backup wrote), ten at a time. */
export async function deleteParameters(
  ssm: SSMClient,
  path: string,
  where: string,
  ledger: Ledger,
  dryRun: boolean,
): Promise<void> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: path.replace(/\/$/, ''), Recursive: true, NextToken: token }),
    );
    names.push(...(page.Parameters ?? []).flatMap((p) => (p.Name === undefined ? [] : [p.Name])));
    token = page.NextToken;
  } while (token !== undefined);
  const what = `${names.length} parameter copies under ${path} (${where})`;
  if (dryRun || names.length === 0) {
    ledger.line(`  ${what}${names.length > 0 ? ': would delete' : ''}`);
    return;
  }
  for (let i = 0; i < names.length; i += DELETE_PARAMETERS_BATCH) {
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + DELETE_PARAMETERS_BATCH) }));
  }
  ledger.line(`  ${what}: deleted`);
  ledger.removed(what);
}
