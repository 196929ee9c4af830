import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The CDK context key naming the restore file (`cdk deploy -c restore=<file>`): set, the app synthesizes
 * the recovered estate in the recovery account instead of the primary estate.
 */
export const RESTORE_CONTEXT_KEY = 'restore';

const isoTime = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 time such as 2026-12-05T04:00:00Z',
});

/**
 * What a recovery restores from, chosen by `npm run recover` in its first step (the newest of each, with
 * its age: the achieved RPO) and read by the estate when it synthesizes the recovered estate. Each
 * source is absent when the recovery account holds none of it: the recovered estate then starts empty
 * there, and the runbook says so before it deploys.
 */
export const restoreSettingsSchema = z.strictObject({
  /** When the runbook chose these sources. */
  chosenAt: isoTime,
  /** The database's newest recovery point in a recovery-account vault of the recovered home region. */
  database: z
    .strictObject({
      /** The Aurora cluster snapshot the recovery point is (`arn:aws:rds:…:cluster-snapshot:…`). */
      snapshotArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:.+$/,
          'expected an Aurora cluster snapshot ARN',
        ),
      /** When the recovery point was taken. */
      createdAt: isoTime,
    })
    .optional(),
  /** The newest full parameter export in the recovery account's replica bucket. */
  parameters: z
    .strictObject({
      /** The replica bucket. */
      bucket: z.string().min(3),
      /** The export's manifest (`manifests/<time>.json`). */
      manifestKey: z.string().regex(/^manifests\/.+\.json$/, 'expected a manifests/<time>.json key'),
      /** When the export ran. */
      exportedAt: isoTime,
    })
    .optional(),
  /** The released image of the service (before any release, the newest) in the recovery account's registry. */
  image: z
    .strictObject({
      /** Its tag in the replicated repository (the commit it was built from). */
      tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'expected an image tag'),
      /** When it was pushed to the primary registry. */
      pushedAt: isoTime,
    })
    .optional(),
});

/** What a recovery restores from; see {@link restoreSettingsSchema}. */
export type RestoreSettings = z.infer<typeof restoreSettingsSchema>;

/** Reads and validates a restore file; throws naming every bad key. */
export function readRestoreSettings(file: string): RestoreSettings {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = restoreSettingsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file} is not a restore file:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
