import { fileURLToPath } from 'node:url';
import { runToEnd } from './child.ts';

/** One wrk run, as printed by wrk.lua's done(). Latencies in microseconds. */
export interface WrkReport {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  readonly errors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    /** Responses whose status was not 2xx/3xx. */
    readonly status: number;
    readonly timeout: number;
  };
  readonly latencyUs: {
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** A JSON body turns the run into POSTs of it with `Content-Type: application/json`. */
  readonly jsonBody?: string;
}

const script = fileURLToPath(new URL('./wrk.lua', import.meta.url));
const marker = 'WRK_JSON ';

/**
 * One wrk thread: on two cores every cycle wrk spends is taken from the server, and one thread drives
 * well past what either server answers here (wrk alone parses > 100k responses/s on one core).
 */
export function wrkArgs(spec: LoadSpec): string[] {
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    script,
    spec.url,
  ];
  return spec.jsonBody === undefined ? args : [...args, '--', 'POST', spec.jsonBody];
}

/** Extracts the JSON line wrk.lua prints; wrk's own summary around it is ignored. */
export function parseWrkReport(stdout: string): WrkReport {
  const line = stdout.split('\n').find((l) => l.startsWith(marker));
  if (line === undefined) {
    throw new Error(`wrk printed no ${marker.trim()} line; its output was:\n${stdout}`);
  }
  return JSON.parse(line.slice(marker.length)) as WrkReport;
}

export function requestsPerSecond(report: WrkReport): number {
  return report.requests / (report.durationUs / 1e6);
}

export function errorCount(report: WrkReport): number {
  const e = report.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

export async function runWrk(spec: LoadSpec): Promise<WrkReport> {
  const { code, stdout, stderr } = await runToEnd('wrk', wrkArgs(spec));
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr || stdout}`);
  return parseWrkReport(stdout);
}
