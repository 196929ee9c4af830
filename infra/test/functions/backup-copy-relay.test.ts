import {
  BackupClient,
  type CopyJob,
  LimitExceededException,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createCopyRelayHandler, idempotencyToken } from '../../functions/backup-copy-relay/relay.ts';
import { type RelaySettings, readRelaySettings } from '../../functions/backup-copy-relay/settings.ts';

const RECOVERY = '222222222222';
const settings: RelaySettings = {
  landingVaultName: 'hello-recovery-us-east-1-vault',
  destinationVaultArn: `arn:aws:backup:us-east-2:${RECOVERY}:backup-vault:hello-recovery-us-east-2-vault`,
  copyRoleArn: `arn:aws:iam::${RECOVERY}:role/hello-backup-copy`,
  lookbackDays: 7,
  maxAttempts: 3,
  retentionDays: 35,
};
const NOW = new Date('2026-11-27T12:00:00Z');
const CLUSTER = 'arn:aws:rds:us-east-1:111111111111:cluster:hello-primary';

/** The EventBridge event a `rate(...)` schedule delivers. */
const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: RECOVERY,
  time: NOW.toISOString(),
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${RECOVERY}:rule/hello-backup-copy-relay`],
  detail: {},
};

const pointArn = (id: string) => `arn:aws:backup:us-east-1:${RECOVERY}:recovery-point:${id}`;
const point = (id: string, status: RecoveryPointByBackupVault['Status'] = 'COMPLETED') => ({
  RecoveryPointArn: pointArn(id),
  BackupVaultName: settings.landingVaultName,
  ResourceArn: CLUSTER,
  ResourceType: 'Aurora',
  Status: status,
  CreationDate: new Date('2026-11-27T11:00:00Z'),
});
const job = (id: string, state: CopyJob['State']): CopyJob => ({
  CopyJobId: `job-${id}-${state}-${Math.random()}`,
  SourceRecoveryPointArn: pointArn(id),
  DestinationBackupVaultArn: settings.destinationVaultArn,
  State: state,
});

const backup = mockClient(BackupClient);
const relay = () => createCopyRelayHandler(settings, { backup: new BackupClient({}), now: () => NOW });

function given(points: RecoveryPointByBackupVault[], jobs: CopyJob[] = []): void {
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: points });
  backup.on(ListCopyJobsCommand).resolves({ CopyJobs: jobs });
  backup.on(StartCopyJobCommand).callsFake((input) => ({ CopyJobId: `copy-of-${input.RecoveryPointArn}` }));
}
const startedCopies = () => backup.commandCalls(StartCopyJobCommand).map((call) => call.args[0].input);

describe('the backup copy relay (recovery account, home region → recovery region)', () => {
  beforeEach(() => {
    backup.reset();
    vi.restoreAllMocks();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  it('DATA-4: copies a landed recovery point to the recovery-region vault, once, with the copy role', async () => {
    given([point('a')]);
    const outcome = await relay()(scheduledEvent);
    expect(startedCopies()).toEqual([
      {
        RecoveryPointArn: pointArn('a'),
        SourceBackupVaultName: settings.landingVaultName,
        DestinationBackupVaultArn: settings.destinationVaultArn,
        IamRoleArn: settings.copyRoleArn,
        IdempotencyToken: idempotencyToken(pointArn('a'), 1),
        Lifecycle: { DeleteAfterDays: settings.retentionDays },
      },
    ]);
    expect(outcome.started).toEqual([
      { recoveryPointArn: pointArn('a'), copyJobId: `copy-of-${pointArn('a')}`, attempt: 1 },
    ]);
  });

  it("DATA-4: a copy carries a retention the locked destination vault accepts: its point's own, else the configured days", async () => {
    given([{ ...point('hourly'), Lifecycle: { DeleteAfterDays: 7 } }, point('bare')]);
    await relay()(scheduledEvent);
    expect(startedCopies().map((input) => [input.RecoveryPointArn, input.Lifecycle])).toEqual([
      [pointArn('hourly'), { DeleteAfterDays: 7 }],
      [pointArn('bare'), { DeleteAfterDays: settings.retentionDays }],
    ]);
  });

  it('DATA-4: copies an Aurora recovery point, an RDS cluster snapshot of AWS Backup, like any other', async () => {
    const snapshot = `arn:aws:rds:us-east-1:${RECOVERY}:cluster-snapshot:awsbackup:job-0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
    given([{ ...point('ignored'), RecoveryPointArn: snapshot }]);
    await relay()(scheduledEvent);
    expect(startedCopies()).toEqual([
      expect.objectContaining({
        RecoveryPointArn: snapshot,
        IdempotencyToken: idempotencyToken(snapshot, 1),
      }),
    ]);
  });

  it("DATA-4: a pass running while the previous one's copy is under way starts nothing", async () => {
    given([point('a')]);
    await relay()(scheduledEvent);
    const [first] = startedCopies();
    // The second pass finds the job the first one started.
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [{ ...job('a', 'CREATED'), CopyJobId: `copy-of-${first?.RecoveryPointArn}` }],
    });
    const second = await relay()(scheduledEvent);
    expect(startedCopies()).toHaveLength(1);
    expect(second).toMatchObject({ started: [], inFlight: 1 });
  });

  it("DATA-4: two overlapping passes that both miss the other's job ask for one copy job (same idempotency token)", async () => {
    given([point('a'), point('b')]);
    await Promise.all([relay()(scheduledEvent), relay()(scheduledEvent)]);
    const requests = startedCopies().map((input) => `${input.RecoveryPointArn} ${input.IdempotencyToken}`);
    expect(new Set(requests)).toEqual(
      new Set([
        `${pointArn('a')} ${idempotencyToken(pointArn('a'), 1)}`,
        `${pointArn('b')} ${idempotencyToken(pointArn('b'), 1)}`,
      ]),
    );
    expect(requests).toHaveLength(4);
  });

  it('DATA-4: looks back over the configured window, for points and copy jobs alike', async () => {
    given([]);
    await relay()(scheduledEvent);
    const since = new Date(NOW.getTime() - 7 * 86_400_000);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: settings.landingVaultName,
      ByCreatedAfter: since,
    });
    expect(backup.commandCalls(ListCopyJobsCommand)[0]?.args[0].input).toEqual({
      ByDestinationVaultArn: settings.destinationVaultArn,
      ByCreatedAfter: since,
    });
  });

  it('DATA-4: leaves copied, copying and unfinished points alone', async () => {
    given(
      [
        point('done'),
        point('running'),
        point('created'),
        point('writing', 'CREATING'),
        point('partial', 'PARTIAL'),
      ],
      [job('done', 'FAILED'), job('done', 'COMPLETED'), job('running', 'RUNNING'), job('created', 'CREATED')],
    );
    const outcome = await relay()(scheduledEvent);
    expect(startedCopies()).toEqual([]);
    expect(outcome).toMatchObject({ alreadyCopied: 1, inFlight: 2, notReady: 2, started: [] });
  });

  it('DATA-4: retries a failed copy with a new token, and the same token on a repeated pass', async () => {
    given([point('a')], [job('a', 'FAILED')]);
    await relay()(scheduledEvent);
    await relay()(scheduledEvent);
    const tokens = startedCopies().map((input) => input.IdempotencyToken);
    expect(tokens).toEqual([idempotencyToken(pointArn('a'), 2), idempotencyToken(pointArn('a'), 2)]);
    expect(tokens[0]).not.toBe(idempotencyToken(pointArn('a'), 1));
    expect(tokens[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('DATA-4: gives up on a point after maxAttempts failures, copies the others, then fails the pass', async () => {
    given(
      [point('broken'), point('fine')],
      [job('broken', 'FAILED'), job('broken', 'PARTIAL'), job('broken', 'FAILED')],
    );
    await expect(relay()(scheduledEvent)).rejects.toThrow(
      /0 copy job\(s\) could not be started and 1 recovery point\(s\) failed 3 copies: .*recovery-point:broken/,
    );
    expect(startedCopies().map((input) => input.RecoveryPointArn)).toEqual([pointArn('fine')]);
  });

  it('DATA-4: one refused StartCopyJob does not stop the pass; the error names the point', async () => {
    given([point('refused'), point('fine')]);
    backup
      .on(StartCopyJobCommand, { RecoveryPointArn: pointArn('refused') })
      .rejects(new LimitExceededException({ message: 'Too many copy jobs', $metadata: {} }));
    await expect(relay()(scheduledEvent)).rejects.toThrow(
      /1 copy job\(s\) could not be started .*recovery-point:refused \(LimitExceededException: Too many copy jobs\)/,
    );
    expect(startedCopies().map((input) => input.RecoveryPointArn)).toEqual([
      pointArn('refused'),
      pointArn('fine'),
    ]);
  });

  it('DATA-4: follows every page of recovery points and of copy jobs', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolvesOnce({ RecoveryPoints: [point('p1')], NextToken: 'points-2' })
      .resolvesOnce({ RecoveryPoints: [point('p2')] });
    backup
      .on(ListCopyJobsCommand)
      .resolvesOnce({ CopyJobs: [job('p2', 'RUNNING')], NextToken: 'jobs-2' })
      .resolvesOnce({ CopyJobs: [job('p1', 'COMPLETED')] });
    backup.on(StartCopyJobCommand).resolves({ CopyJobId: 'unexpected' });
    const outcome = await relay()(scheduledEvent);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)[1]?.args[0].input.NextToken).toBe(
      'points-2',
    );
    expect(backup.commandCalls(ListCopyJobsCommand)[1]?.args[0].input.NextToken).toBe('jobs-2');
    expect(startedCopies()).toEqual([]);
    expect(outcome).toMatchObject({ alreadyCopied: 1, inFlight: 1 });
  });

  it('DATA-4: skips the children of a composite recovery point (copied with their parent)', async () => {
    given([{ ...point('child'), ParentRecoveryPointArn: pointArn('parent') }, point('parent')]);
    await relay()(scheduledEvent);
    expect(startedCopies().map((input) => input.RecoveryPointArn)).toEqual([pointArn('parent')]);
  });

  it('DATA-4: logs one JSON line per pass with what it did', async () => {
    given([point('a')]);
    await relay()(scheduledEvent);
    const lines = vi.mocked(console.log).mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'copy relay pass',
        landingVault: settings.landingVaultName,
        started: [expect.objectContaining({ recoveryPointArn: pointArn('a') })],
      }),
    ]);
  });
});

describe('the relay settings', () => {
  const environment = {
    LANDING_VAULT_NAME: settings.landingVaultName,
    DESTINATION_VAULT_ARN: settings.destinationVaultArn,
    COPY_ROLE_ARN: settings.copyRoleArn,
    RETENTION_DAYS: '35',
  };

  it('DATA-4: reads the construct environment, with a 7-day look-back and 3 attempts by default', () => {
    expect(readRelaySettings(environment)).toEqual(settings);
    expect(readRelaySettings({ ...environment, LOOKBACK_DAYS: '3', MAX_ATTEMPTS: '5' })).toMatchObject({
      lookbackDays: 3,
      maxAttempts: 5,
    });
  });

  it('DATA-4: names every missing or malformed variable at once', () => {
    expect(() =>
      readRelaySettings({
        DESTINATION_VAULT_ARN: 'hello-recovery-us-east-2-vault',
        COPY_ROLE_ARN: settings.copyRoleArn,
        LOOKBACK_DAYS: '60',
      }),
    ).toThrow(
      /LANDING_VAULT_NAME[\s\S]*must be a backup vault ARN[\s\S]*DESTINATION_VAULT_ARN[\s\S]*LOOKBACK_DAYS[\s\S]*RETENTION_DAYS/,
    );
  });
});
