import { Agent, request } from 'node:http';

/** What the service answers on `GET /`. */
const HELLO = 'Hello, DevOps!';

/** Completed requests the load needs before it counts as steady. */
const STEADY_REQUESTS = 200;

/** Options of {@link keepAliveLoad}. */
export interface KeepAliveLoadOptions {
  /** The port of the server on 127.0.0.1. */
  readonly port: number;
  /** How many clients send requests at once, each over its own keep-alive connection. */
  readonly connections: number;
  /** Makes the server stop (a SIGTERM, a stop hook); called once the load is steady. */
  readonly signal: () => Promise<unknown>;
}

/** What a keep-alive load observed. */
export interface KeepAliveLoadReport {
  /** Requests answered in full. */
  readonly ok: number;
  /** Of those, the ones answered after `signal` was called. */
  readonly okAfterSignal: number;
  /** One line for each request that failed; empty when the server stopped cleanly. */
  readonly failures: string[];
}

/**
 * Clients send GET / back to back over keep-alive connections until the server stops accepting; `signal`
 * runs once the load is steady. A request fails if it gets a wrong answer or loses a connection the
 * server had accepted (a reused connection reset, a broken response). A refused new connection is the
 * server having stopped, which ends that client; before `signal` it is a failure too.
 */
export async function keepAliveLoad(options: KeepAliveLoadOptions): Promise<KeepAliveLoadReport> {
  const { port, connections } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const failures: string[] = [];
  let ok = 0;
  let okAfterSignal = 0;
  let signalled = false;
  let ended = 0;
  const one = () =>
    new Promise<'ok' | 'refused'>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200 || body !== HELLO) failures.push(`status ${res.statusCode}`);
          resolve('ok');
        });
        res.on('error', (error) => {
          failures.push(`broken response: ${error.message}`);
          resolve('ok');
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const neverAccepted =
          error.code === 'ECONNREFUSED' || (error.code === 'ECONNRESET' && !req.reusedSocket);
        if (!neverAccepted)
          failures.push(`${error.code}: ${error.message} (reused connection: ${req.reusedSocket})`);
        resolve('refused');
      });
      req.end();
    });
  const client = async () => {
    while ((await one()) === 'ok') {
      ok++;
      if (signalled) okAfterSignal++;
    }
    if (!signalled) failures.push('refused before the signal');
    ended++;
  };
  const clients = Array.from({ length: connections }, client);
  // Waiting stops early once every client has ended: a load that cannot start never becomes steady.
  const warmUpUntil = Date.now() + 10_000;
  while (ok < STEADY_REQUESTS && ended < connections && Date.now() < warmUpUntil) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  signalled = true;
  await options.signal();
  await Promise.all(clients);
  agent.destroy();
  return { ok, okAfterSignal, failures };
}
