import * as http from 'node:http';
import * as https from 'node:https';
import type { Sample, ServedBy } from './traffic-window.ts';

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /**
   * Reuse connections. Off by default: DNS-weighted routing picks a region when a connection opens, so a
   * reused connection would report one region forever. On, it watches what a browser sees (alias weights,
   * a load balancer's target groups).
   */
  readonly keepAlive?: boolean;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

const keepAliveAgents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/** One GET of `url`: status, the served-by headers and the round trip, or why nothing came back. */
export function probe(url: URL, options: ProbeOptions): Promise<Sample> {
  const now = options.now ?? Date.now;
  const started = performance.now();
  const secure = url.protocol === 'https:';
  const client = secure ? https : http;
  const agent = options.keepAlive ? keepAliveAgents[secure ? 'https' : 'http'] : false;
  return new Promise((resolve) => {
    const finish = (fields: Omit<Sample, 'at' | 'latencyMs'>) =>
      resolve({ at: now(), latencyMs: performance.now() - started, ...fields });
    const request = client.get(url, { agent, timeout: options.timeoutMs }, (response) => {
      // The body is not needed, but it must be read for the socket to be released or reused.
      response.resume();
      response.once('end', () =>
        finish({ status: response.statusCode, servedBy: servedByOf(response.headers) }),
      );
      response.once('error', (error) => finish({ status: response.statusCode, error: error.message }));
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.once('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
  });
}

/** The four `x-served-by-*` headers, or undefined unless all are there. */
export function servedByOf(headers: http.IncomingHttpHeaders): ServedBy | undefined {
  const header = (name: string) => {
    const value = headers[`x-served-by-${name}`];
    return typeof value === 'string' ? value : undefined;
  };
  const [version, region, engine, colour] = ['version', 'region', 'engine', 'colour'].map(header);
  if (version === undefined || region === undefined || engine === undefined || colour === undefined)
    return undefined;
  return { version, region, engine, colour };
}

/** Closes the connections kept alive, so a finished watch lets the process exit. */
export function closeKeptConnections(): void {
  keepAliveAgents.http.destroy();
  keepAliveAgents.https.destroy();
}
