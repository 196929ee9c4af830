/** Whether the request counts as a business success or a simulated business failure. */
export type Outcome = 'success' | 'failure';

/**
 * The line written to stdout for every request. CloudWatch metric filters match these field names
 * (e.g. the literal `"outcome":"failure"`), so they are part of the service's contract.
 */
export interface RequestLogLine {
  /** When the request arrived, ISO 8601. */
  readonly time: string;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly status: number;
  /** Time to produce the response, milliseconds with two decimals. */
  readonly durationMs: number;
  readonly outcome: Outcome;
  readonly version: string;
  readonly region: string;
  readonly engine: string;
  readonly colour: string;
}

/**
 * Serialises a request line by hand: this runs on every request of a benchmark, and a template is a
 * few times cheaper than `JSON.stringify` of an object. Only the fields a client controls (method,
 * path) need escaping.
 */
export function formatRequestLogLine(line: RequestLogLine): string {
  return (
    `{"time":"${line.time}","method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},` +
    `"status":${line.status},"durationMs":${line.durationMs},"outcome":"${line.outcome}",` +
    `"version":"${line.version}","region":"${line.region}","engine":"${line.engine}","colour":"${line.colour}"}`
  );
}

/** Writes operator events (start, stop, database trouble) in the same JSON-lines stream. */
export function formatEventLine(time: number, event: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ time: new Date(time).toISOString(), event, ...fields });
}

/** Receives finished log lines (without newline). */
export type LineSink = (line: string) => void;

/**
 * Collects lines and writes them once per event-loop turn: one `write` for a burst of requests instead
 * of one per request. `flush()` writes synchronously what is pending (before the process exits).
 */
export function createBufferedSink(write: (chunk: string) => void): LineSink & { flush(): void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    write(chunk);
  };
  const sink = (line: string) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
  return Object.assign(sink, { flush });
}
