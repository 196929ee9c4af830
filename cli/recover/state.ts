// A recovery's state between runs: the steps finished (with their times) and the restore file chosen, so a
// second run resumes where the first stopped and deploys from the same sources.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The runbook's steps, in order. */
export const RECOVER_STEPS = ['find', 'deploy', 'parameters', 'buckets', 'dns', 'verify'] as const;
export type RecoverStep = (typeof RECOVER_STEPS)[number];

const stateSchema = z.strictObject({
  format: z.literal('recover-state/1'),
  /** The restore file the first step wrote. */
  restoreFile: z.string().min(1),
  /** The release the first step found: the deploy checks that the checkout is its commit. */
  release: z
    .strictObject({ version: z.string(), commit: z.string(), builtAt: z.iso.datetime({ offset: true }) })
    .optional(),
  /** Each finished step and how long it took, in seconds. */
  done: z.partialRecord(z.enum(RECOVER_STEPS), z.number().nonnegative()),
});

/** What earlier runs of this recovery finished. */
export type RecoverState = z.infer<typeof stateSchema>;

/** The working directory of one config profile's recovery (git-ignored). */
export function recoverDirectory(root: string, profile: string): string {
  return join(root, '.recover', profile);
}

/** The state of earlier runs, or undefined for a first run. */
export function readState(directory: string): RecoverState | undefined {
  const file = join(directory, 'state.json');
  if (!existsSync(file)) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${file} is not a recovery state (${parsed.error.issues.map((i) => i.message).join('; ')}): move it away to start over`,
    );
  return parsed.data;
}

/** Writes the state after a step. */
export function writeState(directory: string, state: RecoverState): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}
