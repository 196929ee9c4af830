import * as z from 'zod';

/** What the deploying construct tells the function, read once per cold start. */
export interface BackupSettings {
  /** Only parameters whose name starts with this path are backed up, e.g. `/hello/`. */
  readonly parameterPrefix: string;
  /** The region that receives a copy of every parameter. */
  readonly recoveryRegion: string;
  /** The KMS key (in the recovery region) that encrypts the SecureString copies there. */
  readonly recoveryParameterKeyId: string;
  /** The bucket that receives the exports. */
  readonly exportBucket: string;
  /** The KMS key for the exports' server-side encryption (SSE-KMS). */
  readonly exportBucketKeyId: string;
  /**
   * The KMS key that wraps the data key of each exported SecureString value. It must stay usable when the
   * home region is lost (a multi-Region key, or a key of the recovery account): an export nobody can
   * decrypt is no backup.
   */
  readonly exportValueKeyId: string;
}

const parameterPath = z
  .string()
  .regex(/^\/([\w.-]+\/)+$/, 'must be a parameter path that starts and ends with "/", e.g. /hello/');

const environmentSchema = z.object({
  PARAMETER_PREFIX: parameterPath,
  RECOVERY_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region such as eu-west-1'),
  RECOVERY_PARAMETER_KEY_ID: z.string().min(1),
  EXPORT_BUCKET: z.string().min(3),
  EXPORT_BUCKET_KEY_ID: z.string().min(1),
  EXPORT_VALUE_KEY_ID: z.string().min(1),
});

/** Validates the environment, naming every missing or malformed variable at once. */
export function readBackupSettings(environment: NodeJS.ProcessEnv): BackupSettings {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new Error(`parameter-backup: invalid environment\n${z.prettifyError(parsed.error)}`);
  }
  const variables = parsed.data;
  return {
    parameterPrefix: variables.PARAMETER_PREFIX,
    recoveryRegion: variables.RECOVERY_REGION,
    recoveryParameterKeyId: variables.RECOVERY_PARAMETER_KEY_ID,
    exportBucket: variables.EXPORT_BUCKET,
    exportBucketKeyId: variables.EXPORT_BUCKET_KEY_ID,
    exportValueKeyId: variables.EXPORT_VALUE_KEY_ID,
  };
}
