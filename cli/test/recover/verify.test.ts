import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../service/src/app.ts';
import { DatabaseUnavailableError } from '../../../service/src/errors.ts';
import { openEmbeddedStore } from '../../../service/src/store/pglite.ts';
import type { Store } from '../../../service/src/store/store.ts';
import { startWebServer, type WebServer } from '../../../service/src/web.ts';
import { type VerifyDeps, verifyEngine } from '../../recover/verify.ts';

const servedBy = {
  version: '1.0.0',
  region: 'us-east-2',
  engine: 'asg',
  colour: 'blue',
  instance: 'i-0123456789abcdef0',
};

/** The real service over HTTP on its embedded database; `broken` swaps the store's read. */
async function serve(store: Store): Promise<WebServer> {
  const app = createApp({
    store: async () => store,
    log: () => {},
    settings: { servedBy, faultMode: undefined, failureRate: 0 },
  });
  return startWebServer(app, { port: 0, hostname: '127.0.0.1', idleGraceMs: 0 });
}

let database: Store;
let healthy: WebServer;
let broken: WebServer;
let unreachable: WebServer;

beforeAll(async () => {
  database = await openEmbeddedStore();
  healthy = await serve(database);
  // A /store that writes but reads back another document: what a restore of the wrong data looks like.
  broken = await serve({
    put: (id, json) => database.put(id, json),
    get: async (id) => {
      const record = await database.get(id);
      return record === undefined ? undefined : { ...record, json: '{"probe":"someone else"}' };
    },
    list: (limit) => database.list(limit),
    ping: () => database.ping(),
    close: async () => {},
  });
  // A database the service cannot reach: /health/deep answers 503.
  unreachable = await serve({
    put: () => database.put('', ''),
    get: () => database.get(''),
    list: (limit) => database.list(limit),
    ping: async () => {
      throw new DatabaseUnavailableError('connect ECONNREFUSED');
    },
    close: async () => {},
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([healthy.drain(), broken.drain(), unreachable.drain()]);
  await database.close();
});

/** Real HTTP, a clock that advances by each sleep. */
function deps(): VerifyDeps & { slept: number[] } {
  let now = Date.UTC(2026, 11, 5, 4, 30);
  const slept: number[] = [];
  return {
    fetch,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

const options = (d: VerifyDeps) => ({ deadline: d.now() + 30_000, requestTimeoutMs: 5_000, pollMs: 10_000 });

describe('verifying a recovered engine against the real service', () => {
  it('DR-3: an engine whose /health/deep is healthy and whose /store reads back the written document passes at once', async () => {
    const d = deps();
    const verdict = await verifyEngine(d, options(d), {
      name: 'asg us-east-2',
      url: `http://127.0.0.1:${healthy.port}/`,
    });
    expect(verdict).toEqual({
      name: 'asg us-east-2',
      ok: true,
      attempts: 1,
      detail: 'healthy, /store wrote and read back a document',
    });
    // The probe is really in the database: the service's own list shows it.
    const [newest] = await database.list(1);
    expect(JSON.parse(newest?.json ?? '{}')).toMatchObject({
      probe: 'npm run recover',
      engine: 'asg us-east-2',
    });
  });

  it('DR-3: a /store that reads back another document fails after retrying until the deadline, saying what it read', async () => {
    const d = deps();
    const verdict = await verifyEngine(d, options(d), {
      name: 'asg us-east-2',
      url: `http://127.0.0.1:${broken.port}`,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.attempts).toBe(4);
    expect(d.slept).toEqual([10_000, 10_000, 10_000]);
    expect(verdict.detail).toMatch(
      /^GET \/store\/[0-9a-f-]{36} read back \{"probe":"someone else"\}, not the document written \(\{"probe":"npm run recover",/,
    );
  });

  it('DR-3: an engine that does not answer fails with the reason, within its deadline', async () => {
    const d = deps();
    const verdict = await verifyEngine(
      d,
      { deadline: d.now() + 5_000, requestTimeoutMs: 1_000, pollMs: 10_000 },
      { name: 'ecs us-east-2', url: 'http://127.0.0.1:9' },
    );
    expect(verdict).toMatchObject({ ok: false, attempts: 1 });
    expect(verdict.detail).toMatch(/^http:\/\/127\.0\.0\.1:9 did not answer: /);
  });

  it('DR-3: an engine whose database is unreachable fails on /health/deep before anything is written', async () => {
    const d = deps();
    const before = (await database.list(100)).length;
    const verdict = await verifyEngine(d, options(d), {
      name: 'beanstalk eu-west-1',
      url: `http://127.0.0.1:${unreachable.port}`,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(/^GET \/health\/deep answered 503 \{"error":"database_unavailable"/);
    expect(await database.list(100)).toHaveLength(before);
  });
});
