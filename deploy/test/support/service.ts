import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A port nothing listens on (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The built web bundle running in its own process, as systemd would run it. */
export interface RunningService {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON line printed so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills what a failed test left running. */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Starts `node server.mjs` and resolves once every worker listens. A database URL on a closed port
 * keeps the service off the embedded database (which the bundle does not ship) and starts it fast:
 * `/` and `/health` need no database.
 */
export async function startService(
  server: string,
  env: Record<string, string> & { WORKERS: string },
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, [server], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: `postgres://app@127.0.0.1:${await freePort()}/estate`,
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  const lines: Record<string, unknown>[] = [];
  const workers = Number(env.WORKERS);
  let buffered = '';
  const listening = new Promise<void>((ready, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line));
      const event = workers === 1 ? 'listening' : 'worker-listening';
      if (lines.filter((line) => line.event === event).length >= workers) ready();
    });
    void exited.then((code) => failed(new Error(`the service exited with ${code} before listening`)));
  });
  await listening;
  return { child, port, lines, exited };
}
