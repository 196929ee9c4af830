import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree, treeCpuTicks, treePeakRssKb } from './proc.ts';

/**
 * Where a server's stdout goes. `pipe`: read and counted by this process, as a log shipper (journald,
 * a container runtime, the CloudWatch agent) would read it; `null`: /dev/null, which keeps the
 * service's cost of formatting and writing each line but drops the reader's.
 */
export type StdoutSink = 'pipe' | 'null';

export interface ServerSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: StdoutSink;
  /** Longest wait for readiness; the embedded database alone takes 4–7 s per worker. */
  readonly startTimeoutMs: number;
  /** Return as soon as `/health` answers, before the processes have gone idle. @default false */
  readonly atFirstHealth?: boolean;
}

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  readonly baseUrl: string;
  /** Lines the server has written to stdout (only counted with the `pipe` sink). */
  stdoutLines(): number;
  /** Resolves once the processes have gone idle (started with `atFirstHealth`, they may still be busy). */
  untilIdle(): Promise<void>;
  cpuTicks(): number;
  peakRssKb(): number;
  stop(): Promise<void>;
}

/** A free loopback port: bind port 0, read what the kernel chose, release it. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a server and returns once it answers `/health` and its processes have gone idle. The second
 * condition matters under node:cluster: the first worker to listen answers `/health` while others may
 * still be starting (and the embedded database still being created), and wrk's keep-alive connections,
 * opened once at the start, would then all land on the workers that were already listening.
 */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const port = await freePort();
  const stdout = spec.stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe';
  const child = spawn(spec.command, [...spec.args], {
    env: { ...spec.env, PORT: String(port) },
    // In the runner's process group, so Ctrl-C on the benchmark stops the servers too.
    stdio: ['ignore', stdout, 'pipe'],
  });
  // The child holds its own copy of the /dev/null descriptor.
  if (typeof stdout === 'number') closeSync(stdout);
  let lines = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    // indexOf scans in native code: a log shipper's CPU should not be inflated by a byte loop in JS.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const tree = processTree(pid);
    child.kill('SIGTERM');
    const done = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
    if (!done) {
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await exited(child);
  };

  const deadline = Date.now() + spec.startTimeoutMs;
  while (!(await healthy(`${baseUrl}/health`))) {
    if (child.exitCode !== null) {
      throw new Error(`${spec.name} exited with ${child.exitCode} before answering /health:\n${stderr}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.name} did not answer /health within ${spec.startTimeoutMs} ms:\n${stderr}`);
    }
    await sleep(100);
  }
  // Idle: under 10% of one core over half a second (USER_HZ is 100, so 5 ticks).
  const untilIdle = async () => {
    let before = treeCpuTicks(pid);
    for (;;) {
      await sleep(500);
      const now = treeCpuTicks(pid);
      if (now - before <= 5 || Date.now() > deadline) break;
      before = now;
    }
  };
  if (!spec.atFirstHealth) await untilIdle();
  return {
    name: spec.name,
    pid,
    baseUrl,
    stdoutLines: () => lines,
    untilIdle,
    cpuTicks: () => treeCpuTicks(pid),
    peakRssKb: () => treePeakRssKb(pid),
    stop,
  };
}
