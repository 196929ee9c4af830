import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveLoad } from '../../testing/keep-alive-load.ts';
import {
  buildIntoTemporaryDirectory,
  killLeftoverServers,
  type ServerProcess,
  startServerProcess,
  type TemporaryBuild,
} from './support/built.ts';
import { postStore, send } from './support/http.ts';
import { closedPort, startBlackHole, type TcpEndpoint } from './support/tcp.ts';

let build: TemporaryBuild;
let deadDatabase: string;
beforeAll(async () => {
  build = await buildIntoTemporaryDirectory();
  // A database that refuses connections: web mode starts anyway and needs no PGlite.
  deadDatabase = `postgres://app@127.0.0.1:${await closedPort()}/estate`;
});
afterAll(async () => {
  killLeftoverServers();
  await build?.remove();
});

describe.each([
  ['one process', '1'],
  ['two cluster workers', '2'],
])('graceful drain with %s', (_, workers) => {
  it('SVC-7: under a steady keep-alive load, SIGTERM fails no request and exits 0 within the bound', async () => {
    const server = await startServerProcess(build.server, await closedPort(), {
      WORKERS: workers,
      DATABASE_URL: deadDatabase,
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    if (workers === '2')
      await server.waitForLine(
        (line) => line.event === 'worker-listening' && lineCount(server, 'worker-listening') === 2,
      );
    let stopped: { code: number | null; ms: number } | undefined;
    const report = await keepAliveLoad({
      port: server.port,
      connections: 16,
      signal: async () => {
        stopped = await server.stop('SIGTERM');
      },
    });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThanOrEqual(200);
    expect(report.okAfterSignal).toBeGreaterThan(0);
    expect(stopped?.code).toBe(0);
    expect(stopped?.ms).toBeLessThan(5000);
    // Each worker reports its stop; a cluster's primary reports its own last.
    const stops = server.lines.filter((line) => line.event === 'stopped');
    expect(stops).toHaveLength(workers === '1' ? 1 : 3);
    expect(stops.at(-1)?.pid).toBe(server.child.pid);
  });
});

function lineCount(server: ServerProcess, event: string): number {
  return server.lines.filter((line) => line.event === event).length;
}

describe('shutdown and supervision', () => {
  let blackHole: TcpEndpoint;
  beforeAll(async () => {
    blackHole = await startBlackHole();
  });
  afterAll(() => blackHole?.close());

  it('SVC-7: a slow request in flight when SIGTERM arrives is answered before the process exits 0', async () => {
    const server = await startServerProcess(build.server, await closedPort(), {
      WORKERS: '1',
      DATABASE_URL: `postgres://app@127.0.0.1:${blackHole.port}/estate`,
    });
    await server.waitForLine((line) => line.event === 'listening');
    const inFlight = postStore(server.port, '{"slow":true}');
    // The server answers in the order it accepts: once a later request is answered, the slow one is in
    // its handler, waiting for the database.
    expect((await send(server.port, '/health')).status).toBe(200);
    const stopping = server.stop('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(503);
    expect(answer.headers.connection).toBe('close');
    expect((await stopping).code).toBe(0);
  });

  it('SVC-7: a killed worker is replaced, and none is started while stopping', async () => {
    const server = await startServerProcess(build.server, await closedPort(), {
      WORKERS: '2',
      DATABASE_URL: deadDatabase,
    });
    await server.waitForLine(() => lineCount(server, 'worker-listening') === 2);
    const [first] = server.lines
      .filter((line) => line.event === 'worker-listening')
      .map((line) => Number(line.worker));
    process.kill(first as number, 'SIGKILL');
    const replacement = await server.waitForLine(
      (line) =>
        line.event === 'worker-listening' &&
        line.worker !== first &&
        lineCount(server, 'worker-listening') === 3,
    );
    expect(server.lines).toContainEqual(
      expect.objectContaining({ event: 'worker-exit', worker: first, signal: 'SIGKILL' }),
    );
    expect(replacement.worker).toEqual(expect.any(Number));
    expect((await send(server.port, '/')).status).toBe(200);
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    const stoppingAt = server.lines.findIndex((line) => line.event === 'stopping');
    expect(stoppingAt).toBeGreaterThan(0);
    expect(server.lines.slice(stoppingAt).filter((line) => line.event === 'worker-listening')).toEqual([]);
  });

  it('SVC-5: a log reader that goes away costs the log lines, not the service', async () => {
    const server = await startServerProcess(build.server, await closedPort(), {
      WORKERS: '2',
      DATABASE_URL: deadDatabase,
    });
    await server.waitForLine(() => lineCount(server, 'worker-listening') === 2);
    server.child.stdout?.destroy();
    for (let request = 0; request < 20; request++) {
      expect((await send(server.port, '/')).status).toBe(200);
    }
    expect(server.child.exitCode).toBeNull();
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });

  it('SVC-2: an invalid environment stops the start with a message naming the variable', () => {
    const result = spawnSync(process.execPath, [build.server], {
      env: { PATH: process.env.PATH, PORT: 'eighty', FAILURE_RATE: '2' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT="eighty": expected an integer between 1 and 65535');
    expect(result.stderr).toContain('FAILURE_RATE="2": expected a number between 0 and 1');
  });
});

describe('the built server with the fault switch and a failure share', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(build.server, await closedPort(), {
      WORKERS: '1',
      DATABASE_URL: deadDatabase,
      FAULT_MODE: 'root-500',
      FAILURE_RATE: '0.3',
      FAILURE_SEED: '2026',
    });
  });
  afterAll(() => server?.stop());

  it('SVC-6: FAULT_MODE=root-500 makes / answer 500 while /health stays 200', async () => {
    expect((await send(server.port, '/')).status).toBe(500);
    expect((await send(server.port, '/health')).status).toBe(200);
  });

  it('SVC-5: about 30% of the request lines on stdout record "outcome":"failure"', async () => {
    for (let i = 0; i < 400; i++) expect((await send(server.port, '/health')).status).toBe(200);
    await server.waitForLine(() => server.lines.filter((line) => line.path === '/health').length >= 401);
    const outcomes = server.lines.filter((line) => line.path === '/health').map((line) => line.outcome);
    const share = outcomes.filter((outcome) => outcome === 'failure').length / outcomes.length;
    expect(share).toBeGreaterThan(0.24);
    expect(share).toBeLessThan(0.36);
    expect(new Set(outcomes)).toEqual(new Set(['success', 'failure']));
  });
});
