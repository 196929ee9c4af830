import * as z from 'zod';

/** What the deploying construct tells the relay, read once per cold start. */
export interface RelaySettings {
  /** The vault of this account and region that receives the primary account's copies. */
  readonly landingVaultName: string;
  /** The vault (same account, another region) every landed recovery point is copied on to. */
  readonly destinationVaultArn: string;
  /** The role AWS Backup assumes to run the copy jobs. */
  readonly copyRoleArn: string;
  /** How far back a pass looks for recovery points (and for the copy jobs already started). */
  readonly lookbackDays: number;
  /** Failed copy jobs of one recovery point after which the relay stops retrying it and says so. */
  readonly maxAttempts: number;
  /**
   * Days a copy is kept when its recovery point carries no retention of its own: the destination vault
   * is locked, and fails a copy job without a lifecycle within its range.
   */
  readonly retentionDays: number;
}

// ListCopyJobs keeps 30 days of jobs: a longer look-back would see recovery points whose copy job is
// forgotten and copy them again.
const environmentSchema = z.object({
  LANDING_VAULT_NAME: z.string().regex(/^[A-Za-z0-9_.-]{2,50}$/, 'must be a backup vault name'),
  DESTINATION_VAULT_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:.+/, 'must be a backup vault ARN'),
  COPY_ROLE_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/, 'must be an IAM role ARN'),
  LOOKBACK_DAYS: z.coerce.number().int().min(1).max(28).default(7),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36500),
});

/** Validates the environment, naming every missing or malformed variable at once. */
export function readRelaySettings(environment: NodeJS.ProcessEnv): RelaySettings {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new Error(`backup-copy-relay: invalid environment\n${z.prettifyError(parsed.error)}`);
  }
  const variables = parsed.data;
  return {
    landingVaultName: variables.LANDING_VAULT_NAME,
    destinationVaultArn: variables.DESTINATION_VAULT_ARN,
    copyRoleArn: variables.COPY_ROLE_ARN,
    lookbackDays: variables.LOOKBACK_DAYS,
    maxAttempts: variables.MAX_ATTEMPTS,
    retentionDays: variables.RETENTION_DAYS,
  };
}
