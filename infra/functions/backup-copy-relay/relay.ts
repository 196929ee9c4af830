import { createHash } from 'node:crypto';
import {
  type BackupClient,
  type CopyJob,
  type CopyJobState,
  paginateListCopyJobs,
  paginateListRecoveryPointsByBackupVault,
  type RecoveryPointByBackupVault,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import type { RelaySettings } from './settings.ts';

/** The clients and the clock the relay uses; tests pass mocks and a fixed clock. */
export interface RelayDependencies {
  readonly backup: BackupClient;
  readonly now?: () => Date;
}

/** What one pass did, logged and returned. */
export interface RelayOutcome {
  /** Recovery points whose copy job this pass started, with the job id. */
  readonly started: {
    readonly recoveryPointArn: string;
    readonly copyJobId: string;
    readonly attempt: number;
  }[];
  /** Recovery points already copied, or whose copy is still running. */
  readonly alreadyCopied: number;
  readonly inFlight: number;
  /** Recovery points still being written or not usable (not COMPLETED), left for a later pass. */
  readonly notReady: number;
  /** Recovery points whose copy failed `maxAttempts` times: the relay no longer retries them. */
  readonly gaveUp: string[];
  /** Recovery points whose StartCopyJob call itself failed in this pass. */
  readonly errors: { readonly recoveryPointArn: string; readonly error: string }[];
}

const LIVE: ReadonlySet<CopyJobState | undefined> = new Set(['CREATED', 'RUNNING']);
const FAILED: ReadonlySet<CopyJobState | undefined> = new Set(['FAILED', 'PARTIAL']);
const DAY_MS = 86_400_000;

/**
 * The second hop of the recovery account's backups. AWS Backup copies an Aurora or RDS snapshot either
 * to another account or to another region in one job, not both: the primary account's plan copies to
 * this account's vault in the home region (the landing vault), and this relay copies every recovery
 * point that lands there on to the vault of the recovery region.
 *
 * Each pass reconciles instead of reacting to one event: it lists the landing vault's recovery points of
 * the look-back window and the copy jobs already started towards the destination, and starts the
 * missing ones. A dropped event, a failed invocation or a failed copy job is therefore caught by the next
 * pass, and two overlapping passes start each copy once: the idempotency token is the recovery point and
 * its attempt number, so AWS Backup answers a repeated call with the job it already started. That is why
 * the function needs no reserved concurrency (which a new account's Lambda quota refuses).
 */
export function createCopyRelayHandler(
  settings: RelaySettings,
  dependencies: RelayDependencies,
): (event?: unknown) => Promise<RelayOutcome> {
  const { backup } = dependencies;
  const now = dependencies.now ?? (() => new Date());

  return async () => {
    const since = new Date(now().getTime() - settings.lookbackDays * DAY_MS);
    const [points, jobs] = await Promise.all([landedRecoveryPoints(since), copyJobsBySource(since)]);
    const outcome: { -readonly [K in keyof RelayOutcome]: RelayOutcome[K] } = {
      started: [],
      alreadyCopied: 0,
      inFlight: 0,
      notReady: 0,
      gaveUp: [],
      errors: [],
    };

    for (const point of points) {
      const arn = point.RecoveryPointArn;
      // A child of a composite recovery point is copied with its parent.
      if (arn === undefined || point.ParentRecoveryPointArn !== undefined) continue;
      if (point.Status !== 'COMPLETED') {
        outcome.notReady++;
        continue;
      }
      const history = jobs.get(arn) ?? [];
      if (history.some((job) => job.State === 'COMPLETED')) {
        outcome.alreadyCopied++;
        continue;
      }
      if (history.some((job) => LIVE.has(job.State))) {
        outcome.inFlight++;
        continue;
      }
      const failures = history.filter((job) => FAILED.has(job.State)).length;
      if (failures >= settings.maxAttempts) {
        outcome.gaveUp.push(arn);
        continue;
      }
      const attempt = failures + 1;
      try {
        const answer = await backup.send(
          new StartCopyJobCommand({
            RecoveryPointArn: arn,
            SourceBackupVaultName: settings.landingVaultName,
            DestinationBackupVaultArn: settings.destinationVaultArn,
            IamRoleArn: settings.copyRoleArn,
            IdempotencyToken: idempotencyToken(arn, attempt),
            // The destination vault is locked: a copy job without a retention inside the lock's range
            // fails there. A landed point carries the retention of the plan rule that made it.
            Lifecycle: { DeleteAfterDays: point.Lifecycle?.DeleteAfterDays ?? settings.retentionDays },
          }),
        );
        outcome.started.push({ recoveryPointArn: arn, copyJobId: answer.CopyJobId ?? '', attempt });
      } catch (error) {
        outcome.errors.push({ recoveryPointArn: arn, error: describe(error) });
      }
    }

    const failed = outcome.gaveUp.length + outcome.errors.length;
    console.log(
      JSON.stringify({
        level: failed === 0 ? 'INFO' : 'ERROR',
        message: 'copy relay pass',
        landingVault: settings.landingVaultName,
        destinationVault: settings.destinationVaultArn,
        since: since.toISOString(),
        ...outcome,
      }),
    );
    // Every point was tried before failing, so one bad recovery point does not hold back the others;
    // the error makes the invocation count in the function's Errors metric, which an alarm watches.
    if (failed > 0) {
      throw new Error(
        `backup-copy-relay: ${outcome.errors.length} copy job(s) could not be started and ` +
          `${outcome.gaveUp.length} recovery point(s) failed ${settings.maxAttempts} copies: ` +
          [...outcome.errors.map((e) => `${e.recoveryPointArn} (${e.error})`), ...outcome.gaveUp].join(', '),
      );
    }
    return outcome;
  };

  async function landedRecoveryPoints(since: Date): Promise<RecoveryPointByBackupVault[]> {
    const points: RecoveryPointByBackupVault[] = [];
    const pages = paginateListRecoveryPointsByBackupVault(
      { client: backup },
      { BackupVaultName: settings.landingVaultName, ByCreatedAfter: since },
    );
    for await (const page of pages) points.push(...(page.RecoveryPoints ?? []));
    return points;
  }

  async function copyJobsBySource(since: Date): Promise<Map<string, CopyJob[]>> {
    const bySource = new Map<string, CopyJob[]>();
    const pages = paginateListCopyJobs(
      { client: backup },
      { ByDestinationVaultArn: settings.destinationVaultArn, ByCreatedAfter: since },
    );
    for await (const page of pages) {
      for (const job of page.CopyJobs ?? []) {
        const source = job.SourceRecoveryPointArn;
        if (source === undefined) continue;
        bySource.set(source, [...(bySource.get(source) ?? []), job]);
      }
    }
    return bySource;
  }
}

/**
 * The same recovery point and attempt always give the same token, shaped like the UUIDs the SDK itself
 * generates for idempotency tokens.
 */
export function idempotencyToken(recoveryPointArn: string, attempt: number): string {
  const hex = createHash('sha256').update(`${recoveryPointArn}#${attempt}`).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
