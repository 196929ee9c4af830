import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  FisClient,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../service/src/app.ts';
import type { Store, StoredRecord } from '../../../service/src/store/store.ts';
import { startWebServer, type WebServer } from '../../../service/src/web.ts';
import {
  buildIntoTemporaryDirectory,
  killLeftoverServers,
  type ServerProcess,
  startServerProcess,
  type TemporaryBuild,
} from '../../../service/test/support/built.ts';
import { drillDesign } from '../../dr-posture.ts';
import { readDrills } from '../../drill/log.ts';
import { recoveryOf, regionAbsence } from '../../drill/measure.ts';
import { DRILL, runDrill } from '../../drill.ts';
import type { Sample } from '../../watch/traffic-window.ts';
import { buffer } from '../lib/support.ts';

const served = { version: '1.0.0', region: 'us-east-1', engine: 'asg', colour: 'blue' };
const right = (sent: number, fields: Partial<Sample> = {}): Sample => ({
  at: sent + 5,
  latencyMs: 5,
  status: 200,
  servedBy: served,
  ...fields,
});
const wrong = (sent: number, latencyMs = 5): Sample => ({ at: sent + latencyMs, latencyMs, status: 502 });

describe("a region's absence from the answers", () => {
  // Answers every 100 ms, alternating between two regions; us-east-1 silent from its answer at 1000 ms
  // until its answer at 5000 ms.
  const from = 0;
  const answers = (silent: (t: number) => boolean) =>
    Array.from({ length: 80 }, (_, i) => i * 100)
      .map((t) => ({ t, region: (t / 100) % 2 === 0 ? 'us-east-1' : 'eu-central-1' }))
      .filter(({ t, region }) => region !== 'us-east-1' || !silent(t))
      .map(({ t, region }) => right(t, { servedBy: { ...served, region } }));

  it('OPS-1: is the longest silence of the region: when it began after the start, and how long it lasted', () => {
    const samples = answers((t) => t > 1000 && t < 5000);
    expect(regionAbsence(samples, 'us-east-1', from)).toEqual({ leftAfterMs: 1000, outMs: 4000, back: true });
  });

  it('OPS-1: a region silent to the end of the watch is not back, and its absence has no length', () => {
    const samples = answers((t) => t > 1000);
    expect(regionAbsence(samples, 'us-east-1', from)).toEqual({ leftAfterMs: 1000, back: false });
  });

  it("OPS-1: answers before the drill's start do not count: a region silent from the start left at once", () => {
    const samples = answers((t) => t >= 3000 && t < 6000);
    expect(regionAbsence(samples, 'us-east-1', 2900)).toEqual({ leftAfterMs: 0, outMs: 3100, back: true });
  });
});

describe('the recovery the samples show', () => {
  it('OPS-1: the error window runs from the first wrong request to the last, the RTO to the first right one after it', () => {
    const samples = [right(0), wrong(100), right(150), wrong(200), wrong(300), right(400), right(500)];
    expect(recoveryOf(samples)).toMatchObject({
      requests: 7,
      errors: 3,
      errorWindow: { from: 100, to: 300, ms: 200 },
      rtoMs: 300,
    });
  });

  it('OPS-1: a request is placed when it left, so a timeout that answers late does not stretch the window', () => {
    // Sent at 100, failed at 5100 (a 5 s timeout): the outage began at 100, not when the timeout fired.
    const samples = [right(0), wrong(100, 5000), right(200), right(300)];
    expect(recoveryOf(samples)).toMatchObject({ errorWindow: { from: 100, to: 100 }, rtoMs: 100 });
  });

  it("OPS-1: an answer without the service's headers is wrong even with a 200; still wrong at the end is not recovered", () => {
    const samples = [right(0), right(100, { servedBy: undefined }), wrong(200)];
    const recovery = recoveryOf(samples);
    expect(recovery.errors).toBe(2);
    expect(recovery.rtoMs).toBeUndefined();
  });

  it('OPS-1: counts the versions and regions that answered; without a wrong answer the RTO is 0', () => {
    const samples = [
      right(0),
      right(10, { servedBy: { ...served, version: '1.1.0', region: 'eu-central-1' } }),
    ];
    expect(recoveryOf(samples)).toMatchObject({
      rtoMs: 0,
      versions: { '1.0.0': 1, '1.1.0': 1 },
      regions: { 'us-east-1': 1, 'eu-central-1': 1 },
    });
  });
});

// The drill against real copies of the service behind a local router, on a schedule: the copy is killed
// one second into the experiment and started again (as a new version) two seconds later; the experiment
// "completes" once the copy is back. Each edge of the outage is seen by the first request after it, so
// the measured figures are late by one probe interval (20 ms at 50 req/s) plus the event loop's delay of
// this process, which runs the router, the watch and the schedule at once: on a shared two-core machine
// that delay was measured at 60 to 520 ms across runs. Tolerance: 750 ms, under the shortest phase of the
// schedule (1 s), so a measurement off by a whole phase still fails.
const TOLERANCE_MS = 750;

describe('a drill against real copies of the service, stopped and started on a schedule', () => {
  let build: TemporaryBuild;
  let router: http.Server;
  let routerUrl: URL;
  let port = 0;
  const dirs: string[] = [];

  beforeAll(async () => {
    build = await buildIntoTemporaryDirectory();
    // The copy's port: taken once and reused by every restart, like an instance behind its load balancer.
    port = await new Promise<number>((found) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => found(typeof address === 'object' && address ? address.port : 0));
      });
    });
    // The load balancer: a copy that refuses is a 502 of its own, without the service's headers.
    router = http.createServer((request, response) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port,
          path: request.url,
          method: request.method,
          headers: request.headers,
          agent: false,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.once('error', () => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end('bad gateway');
      });
      request.pipe(upstream);
    });
    await new Promise<void>((listening) => router.listen(0, '127.0.0.1', listening));
    const address = router.address();
    routerUrl = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
  });

  afterEach(() => killLeftoverServers());
  afterAll(async () => {
    await new Promise((closed) => router.close(closed));
    await build.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the service on the router's port, started and killed by the schedule. */
  interface Copies {
    start(version: string): Promise<void>;
    kill(): Promise<void>;
    stop(): Promise<void>;
  }

  /** The built bundle in its own process, killed with SIGKILL (a crash). */
  const bundle = (): Copies => {
    let copy: ServerProcess | undefined;
    const env = { WORKERS: '1', AWS_REGION: 'us-east-1', ENGINE: 'asg', COLOUR: 'blue' };
    return {
      start: async (version) => {
        copy = await startServerProcess(build.server, port, { ...env, APP_VERSION: version });
      },
      kill: async () => {
        await copy?.stop('SIGKILL');
      },
      stop: async () => {
        await copy?.stop();
      },
    };
  };

  /**
   * The service's app in this process over a store that a crash empties (`keeps: false`, a database that
   * loses its recent writes) or that survives it (`keeps: true`). In-process because the bundle's embedded
   * database takes seconds of CPU to open on a shared machine, longer than the outage being timed.
   */
  const inProcess = (keeps: boolean): Copies & { readonly firstCopyWrites: number[] } => {
    let records = new Map<string, StoredRecord>();
    // When the first copy stored each write: what a crash that empties its store takes with it.
    const firstCopyWrites: number[] = [];
    let generation = 0;
    let server: WebServer | undefined;
    return {
      firstCopyWrites,
      start: async (version) => {
        if (!keeps) records = new Map();
        const kept = records;
        const first = generation++ === 0;
        const store: Store = {
          put: async (id, json) => {
            const record = { id, json, createdAt: new Date().toISOString() };
            kept.set(id, record);
            if (first) firstCopyWrites.push(Date.now());
            return record;
          },
          get: async (id) => kept.get(id),
          list: async () => [...kept.values()],
          ping: async () => {},
          close: async () => {},
        };
        const app = createApp({
          settings: {
            servedBy: { ...served, version, instance: 'i-test' },
            faultMode: undefined,
            failureRate: 0,
          },
          store: async () => store,
          log: () => {},
        });
        server = await startWebServer(app, { port, hostname: '127.0.0.1' });
      },
      kill: async () => {
        await server?.drain();
      },
      stop: async () => {
        await server?.drain();
      },
    };
  };

  /** Runs `npm run drill <scenario> --yes` while the schedule kills the copy and starts it again. */
  async function drill(scenario: string, copies: Copies) {
    await copies.start('1.0.0');
    const times = { started: 0, killed: 0, back: 0 };
    let done = false;
    const fisClient = new FisClient({ region: 'us-east-1' });
    const fis = mockClient(fisClient as never);
    const on = (command: unknown) =>
      fis.on(command as never) as unknown as {
        resolves(o: object): void;
        callsFake(f: () => unknown): void;
      };
    on(ListExperimentTemplatesCommand).resolves({
      experimentTemplates: [{ id: 'EXT1', tags: { app: 'Hello', scenario } }],
    });
    on(StartExperimentCommand).callsFake(() => {
      times.started = Date.now();
      void (async () => {
        await new Promise((wait) => setTimeout(wait, 1000));
        times.killed = Date.now();
        await copies.kill();
        await new Promise((wait) => setTimeout(wait, 2000));
        await copies.start('1.1.0');
        times.back = Date.now();
        await new Promise((wait) => setTimeout(wait, 500));
        done = true;
      })();
      return { experiment: { id: 'EXP1', state: { status: 'initiating' } } };
    });
    on(GetExperimentCommand).callsFake(() => ({
      experiment: { id: 'EXP1', state: { status: done ? 'completed' : 'running' } },
    }));
    const dir = mkdtempSync(join(tmpdir(), 'drill-'));
    dirs.push(dir);
    const log = join(dir, 'drills.jsonl');
    const code = await DRILL.run(
      [scenario, '--yes', '--rate', '50', '--write-rate', '20', '--settle', '0.5', '--log', log],
      (args, context) =>
        runDrill(
          args,
          {
            clients: { fis: fisClient, cloudWatch: new CloudWatchClient({ region: 'us-east-1' }) },
            design: drillDesign(args.scenario, []),
            tag: { key: 'app', value: 'Hello' },
            region: 'us-east-1',
            url: routerUrl,
            pollMs: 100,
          },
          context,
        ),
      { stdout: buffer(), stderr: buffer() },
    );
    fis.restore();
    await copies.stop();
    const [entry] = readDrills(log);
    if (entry === undefined) throw new Error('the drill logged nothing');
    return {
      code,
      entry,
      outageMs: times.back - times.killed,
      killedAt: times.killed,
    };
  }

  it('OPS-1: the measured RTO and error window match the outage the schedule made; the versions before and after are seen', {
    timeout: 120_000,
  }, async () => {
    const { code, entry, outageMs } = await drill('ecs-task-stop', bundle());
    expect(code).toBe(0);
    expect(entry.errors).toBeGreaterThan(0);
    expect(Math.abs((entry.rtoMs ?? Number.NaN) - outageMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    // The window ends at the last wrong request, one probe interval before the first right one.
    expect(Math.abs(entry.errorWindowMs - outageMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Object.keys(entry.versions).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(entry.regions).toEqual({ 'us-east-1': entry.requests - entry.errors });
  });

  it('OPS-1: with a database that loses its recent writes in the crash, the writes acknowledged before it are lost, and the measured RPO spans them', async () => {
    const copies = inProcess(false);
    const { entry, killedAt } = await drill('aurora-failover', copies);
    const writes = entry.writes;
    // Exactly the writes the first copy stored are lost (each was acknowledged: the drain answers what
    // it took in); those after the restart are kept.
    expect(writes?.lost).toBe(copies.firstCopyWrites.length);
    expect(writes?.lost).toBeGreaterThan(0);
    expect(writes?.lost).toBeLessThan(writes?.acknowledged ?? 0);
    // From the oldest lost write to the start of the outage the users saw: at least the span of the lost
    // writes, at most up to the crash (both within the tolerance of a probe's timing).
    const first = copies.firstCopyWrites[0] ?? Number.NaN;
    const last = copies.firstCopyWrites.at(-1) ?? Number.NaN;
    expect(writes?.rpoMs).toBeGreaterThanOrEqual(last - first - TOLERANCE_MS);
    expect(writes?.rpoMs).toBeLessThanOrEqual(killedAt - first + TOLERANCE_MS);
  });

  it('OPS-1: with a database that survives the crash nothing acknowledged is lost: RPO 0', async () => {
    const { entry } = await drill('aurora-failover', inProcess(true));
    expect(entry.writes).toMatchObject({ lost: 0, rpoMs: 0 });
    expect(entry.writes?.acknowledged).toBeGreaterThan(0);
  });
});
