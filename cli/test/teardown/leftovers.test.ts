import {
  BackupClient,
  DeleteBackupVaultAccessPolicyCommand,
  DeleteBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  ListRecoveryPointsByBackupVaultCommand,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearBackupVault,
  emptyAndDeleteBucket,
  type Ledger,
  scheduleKeyDeletion,
} from '../../teardown/leftovers.ts';

const NOW = new Date('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

function ledger() {
  const record = {
    lines: [] as string[],
    removed: [] as string[],
    scheduled: [] as string[],
    kept: [] as string[],
    encrypted: [] as [string, string][],
  };
  const l: Ledger = {
    line: (t) => record.lines.push(t),
    removed: (w) => record.removed.push(w),
    scheduled: (w) => record.scheduled.push(w),
    kept: (w) => record.kept.push(w),
    encrypts: (key, w) => record.encrypted.push([key, w]),
  };
  return { l, record };
}

const s3Mock = mockClient(S3Client);
const kmsMock = mockClient(KMSClient);
const backupMock = mockClient(BackupClient);

afterEach(() => {
  s3Mock.reset();
  kmsMock.reset();
  backupMock.reset();
});

describe('a retained bucket', () => {
  it('GOV-6: a versioned bucket of 2 500 versions and delete markers is emptied in 3 batches, then deleted', async () => {
    const versions = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, VersionId: `v${from + i}` }));
    const markers = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ Key: `m${from + i}`, VersionId: `d${from + i}` }));
    s3Mock
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: versions(0, 700),
        DeleteMarkers: markers(0, 300),
        IsTruncated: true,
        NextKeyMarker: 'k700',
        NextVersionIdMarker: 'v700',
      })
      .resolvesOnce({
        Versions: versions(700, 900),
        DeleteMarkers: markers(300, 100),
        IsTruncated: true,
        NextKeyMarker: 'k1600',
        NextVersionIdMarker: 'v1600',
      })
      .resolvesOnce({ Versions: versions(1600, 400), DeleteMarkers: markers(400, 100), IsTruncated: false });
    s3Mock.on(DeleteObjectsCommand).resolves({});
    s3Mock.on(DeleteBucketCommand).resolves({});
    const { l, record } = ledger();
    await emptyAndDeleteBucket(new S3Client({}), 'hello-replica', l, false);

    const lists = s3Mock.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input);
    expect(lists.map((i) => [i.KeyMarker, i.VersionIdMarker])).toEqual([
      [undefined, undefined],
      ['k700', 'v700'],
      ['k1600', 'v1600'],
    ]);
    const batches = s3Mock
      .commandCalls(DeleteObjectsCommand)
      .map((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    const deleted = new Set(batches.flat().map((o) => `${o.Key}@${o.VersionId}`));
    expect(deleted.size).toBe(2500);
    expect(deleted.has('m499@d499')).toBe(true);
    const deleteBucket = s3Mock.commandCalls(DeleteBucketCommand);
    expect(deleteBucket).toHaveLength(1);
    const lastBatch = s3Mock.commandCalls(DeleteObjectsCommand).at(-1);
    expect(lastBatch !== undefined && deleteBucket[0]?.calledAfter(lastBatch)).toBe(true);
    expect(record.removed).toEqual(['bucket hello-replica']);
  });

  it('GOV-6: objects S3 refuses to delete stop the bucket from being deleted', async () => {
    s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }] });
    s3Mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'a', Code: 'AccessDenied', Message: 'no' }] });
    const { l } = ledger();
    await expect(emptyAndDeleteBucket(new S3Client({}), 'b', l, false)).rejects.toThrow(
      /1 objects of b not deleted/,
    );
    expect(s3Mock.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  it('GOV-6: access logs landing after the emptying are emptied again before the bucket goes', async () => {
    s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }] });
    s3Mock.on(DeleteObjectsCommand).resolves({});
    s3Mock
      .on(DeleteBucketCommand)
      .rejectsOnce(Object.assign(new Error('not empty'), { name: 'BucketNotEmpty' }))
      .resolves({});
    const { l, record } = ledger();
    await emptyAndDeleteBucket(new S3Client({}), 'logs', l, false);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(2);
    expect(record.removed).toEqual(['bucket logs']);
  });
});

describe('a retained key', () => {
  it('GOV-6: a key is scheduled for deletion after the 7-day minimum, with the date reported', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k1', KeyState: 'Enabled' } });
    kmsMock.on(ScheduleKeyDeletionCommand).resolves({ DeletionDate: new Date(NOW.getTime() + 7 * DAY) });
    const { l, record } = ledger();
    await scheduleKeyDeletion(new KMSClient({}), 'k1', 'primary account, us-east-1', l, false);
    expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toEqual({
      KeyId: 'k1',
      PendingWindowInDays: 7,
    });
    expect(record.scheduled).toEqual(['KMS key k1 (primary account, us-east-1): deleted on 2026-03-09']);
  });

  it('GOV-6: a key already pending deletion keeps its date and is not scheduled again', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: 'k1',
        KeyState: 'PendingDeletion',
        DeletionDate: new Date('2026-03-05T00:00:00Z'),
      },
    });
    const { l, record } = ledger();
    await scheduleKeyDeletion(new KMSClient({}), 'k1', 'here', l, false);
    expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(0);
    expect(record.scheduled).toEqual(['KMS key k1 (here): deleted on 2026-03-05']);
  });

  const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/k1';
  const protecting = new Map([[KEY_ARN, ['Aurora snapshot s1 of c (here)']]]);

  it('GOV-6: a key that still encrypts a kept snapshot is kept and listed, not scheduled (the snapshot stays readable)', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k1', Arn: KEY_ARN, KeyState: 'Enabled' } });
    const { l, record } = ledger();
    await scheduleKeyDeletion(new KMSClient({}), 'k1', 'here', l, false, {
      protecting,
      deleteProtectingKeys: false,
    });
    expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(0);
    expect(record.scheduled).toEqual([]);
    expect(record.kept).toEqual([
      'KMS key k1 (here): still encrypts Aurora snapshot s1 of c (here); npm run teardown -- --yes --delete-protecting-keys schedules its deletion, after which they can never be read',
    ]);
  });

  it('GOV-6: --delete-protecting-keys schedules such a key anyway, saying what becomes unreadable', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k1', Arn: KEY_ARN, KeyState: 'Enabled' } });
    kmsMock.on(ScheduleKeyDeletionCommand).resolves({ DeletionDate: new Date(NOW.getTime() + 7 * DAY) });
    const { l, record } = ledger();
    await scheduleKeyDeletion(new KMSClient({}), 'k1', 'here', l, false, {
      protecting,
      deleteProtectingKeys: true,
    });
    expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(1);
    expect(record.scheduled).toEqual([
      'KMS key k1 (here): deleted on 2026-03-09 (1 kept item(s) it encrypts become unreadable then)',
    ]);
  });

  it('GOV-6: AccessDenied on a key is a failure, never "already gone"', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { l, record } = ledger();
    await expect(scheduleKeyDeletion(new KMSClient({}), 'k1', 'here', l, false)).rejects.toThrow(/denied/);
    expect(record.lines.join('\n')).not.toMatch(/already gone/);
  });
});

describe('a retained backup vault', () => {
  const point = (arn: string, ageDays: number) => ({
    RecoveryPointArn: arn,
    CreationDate: new Date(NOW.getTime() - ageDays * DAY),
    Status: 'COMPLETED' as const,
  });

  it('GOV-6: a locked recovery point younger than the minimum retention is kept and reported, and so is the vault', async () => {
    backupMock.on(DescribeBackupVaultCommand).resolves({ Locked: true, MinRetentionDays: 7 });
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolves({ RecoveryPoints: [point('arn:young', 2), point('arn:old', 30)] });
    backupMock.on(DeleteRecoveryPointCommand).resolves({});
    const { l, record } = ledger();
    await clearBackupVault(
      new BackupClient({}),
      'hello-us-east-1-vault',
      'primary account, us-east-1',
      l,
      false,
      NOW,
    );
    expect(
      backupMock.commandCalls(DeleteRecoveryPointCommand).map((c) => c.args[0].input.RecoveryPointArn),
    ).toEqual(['arn:old']);
    expect(backupMock.commandCalls(DeleteBackupVaultCommand)).toHaveLength(0);
    expect(record.kept).toContain(
      'recovery point arn:young in backup vault hello-us-east-1-vault (primary account, us-east-1): kept until 2026-03-07, the vault lock allows no earlier deletion',
    );
    expect(record.kept.join('\n')).toMatch(/hello-us-east-1-vault .*holds 1 recovery points/);
  });

  it('GOV-6: AccessDenied on a vault is a failure, never "already gone"', async () => {
    backupMock
      .on(DescribeBackupVaultCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { l, record } = ledger();
    await expect(clearBackupVault(new BackupClient({}), 'v', 'here', l, false, NOW)).rejects.toThrow(
      /not authorized/,
    );
    expect(record.lines.join('\n')).not.toMatch(/already gone/);
  });

  it('SEC-2, GOV-6: a compliance-locked vault is skipped and listed as kept until its last point expires; its points keep their key', async () => {
    backupMock.on(DescribeBackupVaultCommand).resolves({
      Locked: true,
      MinRetentionDays: 1,
      LockDate: new Date('2026-02-01T00:00:00Z'),
    });
    const expiring = (arn: string, deleteAt: string) => ({
      ...point(arn, 30),
      EncryptionKeyArn: 'arn:aws:kms:us-east-2:222222222222:key/r',
      CalculatedLifecycle: { DeleteAt: new Date(deleteAt) },
    });
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({
      RecoveryPoints: [expiring('arn:a', '2026-03-20T00:00:00Z'), expiring('arn:b', '2026-04-05T00:00:00Z')],
    });
    const { l, record } = ledger();
    await clearBackupVault(
      new BackupClient({}),
      'hello-recovery-us-east-2-vault',
      'recovery account, us-east-2',
      l,
      false,
      NOW,
    );
    expect(backupMock.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(0);
    expect(backupMock.commandCalls(DeleteBackupVaultCommand)).toHaveLength(0);
    expect(record.kept).toEqual([
      'backup vault hello-recovery-us-east-2-vault (recovery account, us-east-2): compliance lock, holds 2 recovery points (storage billed) until they expire, the last expiring on 2026-04-05; run the teardown again after that to delete the vault',
    ]);
    expect(record.encrypted.map(([key]) => key)).toEqual([
      'arn:aws:kms:us-east-2:222222222222:key/r',
      'arn:aws:kms:us-east-2:222222222222:key/r',
    ]);
  });

  it('GOV-6: the access policy that denies every principal DeleteRecoveryPoint is lifted before the first point is deleted', async () => {
    backupMock.on(DescribeBackupVaultCommand).resolves({ Locked: false });
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('arn:a', 1)] });
    backupMock.on(DeleteBackupVaultAccessPolicyCommand).resolves({});
    backupMock.on(DeleteRecoveryPointCommand).resolves({});
    backupMock.on(DeleteBackupVaultCommand).resolves({});
    const { l } = ledger();
    await clearBackupVault(new BackupClient({}), 'v', 'here', l, false, NOW);
    const order = backupMock.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(order.indexOf('DeleteBackupVaultAccessPolicyCommand')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('DeleteBackupVaultAccessPolicyCommand')).toBeLessThan(
      order.indexOf('DeleteRecoveryPointCommand'),
    );
  });

  it('GOV-6: a refusal to lift the access policy is a failure, and no point is tried', async () => {
    backupMock.on(DescribeBackupVaultCommand).resolves({ Locked: false });
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('arn:a', 1)] });
    backupMock
      .on(DeleteBackupVaultAccessPolicyCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { l } = ledger();
    await expect(clearBackupVault(new BackupClient({}), 'v', 'here', l, false, NOW)).rejects.toThrow(
      /not authorized/,
    );
    expect(backupMock.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(0);
  });

  it('GOV-6: an empty vault is deleted once its recovery points are', async () => {
    backupMock.on(DescribeBackupVaultCommand).resolves({ Locked: false });
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('arn:a', 1)] });
    backupMock.on(DeleteRecoveryPointCommand).resolves({});
    backupMock.on(DeleteBackupVaultCommand).resolves({});
    const { l, record } = ledger();
    await clearBackupVault(new BackupClient({}), 'v', 'here', l, false, NOW);
    expect(backupMock.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(1);
    expect(backupMock.commandCalls(DeleteBackupVaultCommand)).toHaveLength(1);
    expect(record.removed).toEqual(['backup vault v (here)']);
  });
});
