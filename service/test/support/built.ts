import { type ChildProcess, fork, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildResult, buildService } from '../../../scripts/build.ts';
import type { LambdaResult } from './lambda-events.ts';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** A build in a temporary directory, removed by `remove()`. */
export interface TemporaryBuild extends BuildResult {
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * Builds the bundles into a fresh temporary directory. The web bundle finds the repository's
 * node_modules through a link (PGlite, the embedded default, stays an outside package, as on a
 * server after `npm ci`); call `cloudCopyOfLambda` for a Lambda folder with nothing beside it.
 */
export async function buildIntoTemporaryDirectory(): Promise<TemporaryBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'hello-devops-build-'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const result = await buildService(join(dir, 'dist'));
  return { ...result, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A copy of dist/lambda in a directory with no node_modules anywhere above it, like /var/task. */
export async function cloudCopyOfLambda(build: TemporaryBuild): Promise<{ entry: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hello-devops-lambda-'));
  await cp(join(build.dir, 'dist', 'lambda'), dir, { recursive: true });
  return { entry: join(dir, 'index.mjs'), dir };
}

const runnerSource = `
const { handler } = await import(process.argv[2]);
process.on('message', async (event) => {
  try {
    process.send({ result: await handler(event, {}) });
  } catch (error) {
    process.send({ error: String(error?.message ?? error) });
  }
});
process.send({ ready: true });
`;

/** A Lambda bundle loaded in a fresh node process, invoked one event at a time. */
export interface LambdaProcess {
  invoke(event: unknown): Promise<LambdaResult>;
  stop(): void;
}

let runners = 0;

export async function startLambdaProcess(entry: string, env: Record<string, string>): Promise<LambdaProcess> {
  const runner = join(tmpdir(), `hello-devops-runner-${process.pid}-${runners++}.mjs`);
  await writeFile(runner, runnerSource);
  const child = fork(runner, [entry], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((ready, failed) => {
      child.once('message', () => ready());
      child.once('exit', (code) => failed(new Error(`the Lambda bundle exited with ${code} while loading`)));
    });
  } finally {
    await rm(runner, { force: true });
  }
  return {
    invoke: (event) =>
      new Promise((answer, fail) => {
        child.once('message', (message: { result?: LambdaResult; error?: string }) =>
          message.error === undefined
            ? answer(message.result as LambdaResult)
            : fail(new Error(message.error)),
        );
        child.send(event as object);
      }),
    stop: () => {
      child.kill();
    },
  };
}

/** The web bundle running in its own process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON line printed so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line matching, waiting up to `timeoutMs`. */
  waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code and how long after the call the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

const running = new Set<ChildProcess>();

/** Kills server processes a failed test left behind. */
export function killLeftoverServers(): void {
  for (const child of running) child.kill('SIGKILL');
}

export async function startServerProcess(
  server: string,
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [server], {
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line));
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const waitForLine: ServerProcess['waitForLine'] = (match, timeoutMs = 30_000) =>
    new Promise((found, failed) => {
      const check = () => {
        const line = lines.find(match);
        if (!line) return;
        waiters.delete(check);
        clearTimeout(timer);
        found(line);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        failed(
          new Error(`no matching log line within ${timeoutMs} ms; got ${JSON.stringify(lines.slice(-5))}`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const processed = {
    child,
    port,
    lines,
    waitForLine,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const started = performance.now();
      child.kill(signal);
      const code = await exited;
      return { code, ms: performance.now() - started };
    },
  };
  await Promise.race([
    waitForLine((line) => line.event === 'listening' || line.event === 'worker-listening'),
    exited.then((code) => Promise.reject(new Error(`the server exited with ${code} before listening`))),
  ]);
  return processed;
}
