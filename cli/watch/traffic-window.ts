/** What identifies the copy of the service that answered (the service's `x-served-by-*` headers). */
export interface ServedBy {
  readonly version: string;
  readonly region: string;
  readonly engine: string;
  readonly colour: string;
}

/** A dimension responses can be grouped by. */
export type Dimension = keyof ServedBy;
export const DIMENSIONS: readonly Dimension[] = ['version', 'region', 'engine', 'colour'];

/** One request the watch sent, and what came back. */
export interface Sample {
  /** When the answer (or the failure) arrived, in ms since the epoch. */
  readonly at: number;
  /** Round trip, in ms. */
  readonly latencyMs: number;
  /** The HTTP status; undefined when no answer came. */
  readonly status?: number;
  /** The answering copy; undefined when the answer lacked the headers (a static page, a load balancer's own error). */
  readonly servedBy?: ServedBy;
  /** Why no answer came (refused, reset, timed out). */
  readonly error?: string;
}

/** The traffic of one group in the window. */
export interface ShareRow {
  /** The group: the chosen dimensions' values joined by spaces, or what stood in for them. */
  readonly key: string;
  readonly count: number;
  /** Of every request in the window, 0..1. */
  readonly share: number;
  /** Answers with a 5xx status. */
  readonly serverErrors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The responses of the last `windowMs`, grouped by whichever served-by dimensions are asked for. A
 * sliding window, not a running total: a traffic shift shows as it happens instead of being diluted by
 * everything seen since the watch started.
 */
export class TrafficWindow {
  readonly #windowMs: number;
  #samples: Sample[] = [];

  constructor(windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`window must be positive, got ${windowMs} ms`);
    this.#windowMs = windowMs;
  }

  add(sample: Sample): void {
    this.#samples.push(sample);
  }

  /** The groups of the samples within the window ending at `now`, largest share first. */
  rows(by: readonly Dimension[], now: number): ShareRow[] {
    const from = now - this.#windowMs;
    this.#samples = this.#samples.filter((s) => s.at > from);
    const groups = new Map<string, Sample[]>();
    for (const sample of this.#samples) {
      const key = groupKey(sample, by);
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    const total = this.#samples.length;
    return [...groups]
      .map(([key, samples]) => {
        const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
        return {
          key,
          count: samples.length,
          share: samples.length / total,
          serverErrors: samples.filter((s) => s.status !== undefined && s.status >= 500).length,
          p50Ms: percentile(latencies, 0.5),
          p99Ms: percentile(latencies, 0.99),
        };
      })
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  }
}

function groupKey(sample: Sample, by: readonly Dimension[]): string {
  if (sample.servedBy !== undefined) return by.map((d) => sample.servedBy?.[d]).join(' ');
  if (sample.status !== undefined) return `no served-by headers (HTTP ${sample.status})`;
  return `no answer (${sample.error ?? 'unknown error'})`;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** The window as a table: one line per group, shares in percent. */
export function formatShares(rows: readonly ShareRow[], by: readonly Dimension[]): string {
  const header = [by.join(' '), 'share', 'requests', '5xx', 'p50', 'p99'];
  const lines = rows.map((r) => [
    r.key,
    `${(r.share * 100).toFixed(1)} %`,
    String(r.count),
    String(r.serverErrors),
    `${r.p50Ms.toFixed(0)} ms`,
    `${r.p99Ms.toFixed(0)} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const format = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}
