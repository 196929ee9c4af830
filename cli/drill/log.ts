// The drill log: one JSON line per drill, appended by `npm run drill`, read by `npm run report`. A line a
// later version cannot read is named, never skipped silently: the report's measured figures come from it.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** Where the log lives by default, relative to the repository root: beside the report that reads it. */
export const DRILL_LOG = 'docs/drills.jsonl';

const entrySchema = z.object({
  /** When the drill started, ISO 8601. */
  at: z.string(),
  scenario: z.string(),
  region: z.string(),
  url: z.string(),
  experimentId: z.string(),
  /** FIS's final state: completed, stopped, failed, cancelled. */
  outcome: z.string(),
  reason: z.string().optional(),
  /** The stop-condition alarms that stopped it. */
  stoppedBy: z.array(z.string()),
  requests: z.number(),
  errors: z.number(),
  /** The users' error window, ms; 0 without errors. */
  errorWindowMs: z.number(),
  /**
   * The time until answers were right again, ms; null when they were not by the end of the watch. For
   * region-dns, whose region keeps serving, the time until it was out of the answers: what the loss of
   * the region would cost its users.
   */
  rtoMs: z.number().nullable(),
  versions: z.record(z.string(), z.number()),
  regions: z.record(z.string(), z.number()),
  /** The write stream's outcome, for scenarios that can lose data. */
  writes: z
    .object({
      acknowledged: z.number(),
      lost: z.number(),
      unverified: z.number(),
      rpoMs: z.number(),
    })
    .optional(),
  /** For region-dns: the drained region's absence from the answers (null: it never left, or never came back). */
  dns: z
    .object({
      region: z.string(),
      leftAfterMs: z.number().nullable(),
      outMs: z.number().nullable(),
      back: z.boolean(),
    })
    .optional(),
  /** The designed figures the drill was held to, as the report prints them. */
  designed: z.object({ rto: z.string(), rpo: z.string() }),
});

/** One drill, as logged. */
export type DrillLogEntry = z.infer<typeof entrySchema>;

/** Appends one drill. */
export function appendDrill(path: string, entry: DrillLogEntry): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(entrySchema.parse(entry))}\n`);
}

/** Every drill of the log, oldest first; none when there is no log. Throws naming a bad line. */
export function readDrills(path: string): DrillLogEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      if (line.trim() === '') return [];
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${path}:${index + 1}: not JSON`);
      }
      const parsed = entrySchema.safeParse(value);
      if (!parsed.success)
        throw new Error(
          `${path}:${index + 1}: not a drill: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        );
      return [parsed.data];
    });
}

/** The newest drill of each scenario. */
export function lastDrills(entries: readonly DrillLogEntry[]): Map<string, DrillLogEntry> {
  const last = new Map<string, DrillLogEntry>();
  for (const entry of entries) {
    const previous = last.get(entry.scenario);
    if (previous === undefined || previous.at <= entry.at) last.set(entry.scenario, entry);
  }
  return last;
}
