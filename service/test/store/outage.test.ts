import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../../../testing/requires.ts';
import { createApp } from '../../src/app.ts';
import { PgStore } from '../../src/store/pg.ts';
import type { Store } from '../../src/store/store.ts';
import { postJson, servedBy } from '../support/app.ts';
import {
  createScratchSchema,
  realPostgres,
  type ScratchSchema,
  testDatabaseUrl,
} from '../support/postgres.ts';
import {
  closedPort,
  startBlackHole,
  startProxy,
  startRejectingPostgres,
  type TcpEndpoint,
} from '../support/tcp.ts';

function appOn(store: Store) {
  return createApp({
    settings: { servedBy, faultMode: undefined, failureRate: 0 },
    store: async () => store,
    log: () => {},
  });
}

async function timed(response: Response | Promise<Response>): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const { status } = await response;
  return { status, ms: performance.now() - started };
}

describe.each([
  ['a closed port', async () => ({ port: await closedPort(), close: async () => {} })],
  ['a black hole that accepts and never answers', startBlackHole],
])('database on %s', (_, start: () => Promise<TcpEndpoint>) => {
  let endpoint: TcpEndpoint;
  let store: Store;
  beforeAll(async () => {
    endpoint = await start();
    store = new PgStore({ connectionString: `postgres://app:pw@127.0.0.1:${endpoint.port}/estate` });
  });
  afterAll(async () => {
    await store?.close();
    await endpoint?.close();
  });

  it('SVC-3: POST, GET and list answer 503 within 2 s while /health stays 200', async () => {
    const app = appOn(store);
    const answers = await Promise.all([
      timed(app.request('/store', postJson('{"a":1}'))),
      timed(app.request('/store/6f1c1b2e-4a4b-4c1d-9f43-3c6f5a1e2b3c')),
      timed(app.request('/store?limit=5')),
    ]);
    for (const { status, ms } of answers) {
      expect(status).toBe(503);
      expect(ms).toBeLessThan(2000);
    }
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/')).status).toBe(200);
  });

  it('SVC-10: /health/deep answers 503 within 2 s', async () => {
    const answer = await timed(appOn(store).request('/health/deep'));
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(2000);
  });
});

describe.each([
  ['a closed port', async () => ({ port: await closedPort(), close: async () => {} }), 'ECONNREFUSED'],
  ['a server that refuses the login', startRejectingPostgres, 'password authentication failed'],
])('the words of a database on %s', (_, start: () => Promise<TcpEndpoint>, driverText: string) => {
  it('SVC-3: a 503 tells the client no host, port, user or driver text; the log line has the cause', async () => {
    const endpoint = await start();
    const store = new PgStore({ connectionString: `postgres://app:pw@127.0.0.1:${endpoint.port}/estate` });
    const lines: Record<string, unknown>[] = [];
    const app = createApp({
      settings: { servedBy, faultMode: undefined, failureRate: 0 },
      store: async () => store,
      log: (line) => lines.push(JSON.parse(line)),
    });
    try {
      for (const request of [app.request('/store', postJson('{"a":1}')), app.request('/store?limit=5')]) {
        const response = await request;
        expect(response.status).toBe(503);
        const body = await response.text();
        expect(JSON.parse(body)).toMatchObject({ error: 'database_unavailable' });
        for (const secret of ['127.0.0.1', String(endpoint.port), '"app"', 'app:', driverText]) {
          expect(body).not.toContain(secret);
        }
      }
      const causes = lines.filter((line) => line.event === 'store-unavailable');
      expect(causes.map((line) => line.path)).toEqual(['/store', '/store']);
      for (const line of causes) expect(String(line.cause)).toContain(driverText);
      // Still one request line per request beside the events.
      expect(lines.filter((line) => line.status === 503)).toHaveLength(2);
    } finally {
      await store.close();
      await endpoint.close();
    }
  });
});

describeWith(realPostgres, 'a real PostgreSQL server behind a proxy that is cut and restored', () => {
  let scratch: ScratchSchema;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let store: Store;
  beforeAll(async () => {
    scratch = await createScratchSchema(testDatabaseUrl as string, 'outage');
    const target = new URL(scratch.url);
    proxy = await startProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(scratch.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    store = new PgStore({ connectionString: viaProxy.toString() });
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  it('SVC-3: answers 503 within 2 s while cut, and recovers without a restart when restored', async () => {
    const app = appOn(store);
    const before = await app.request('/store', postJson('{"phase":"before"}'));
    expect(before.status).toBe(201);
    const { id } = (await before.json()) as { id: string };

    proxy.cut();
    for (const request of [app.request('/store', postJson('{"phase":"cut"}')), app.request(`/store/${id}`)]) {
      const answer = await timed(request);
      expect(answer.status).toBe(503);
      expect(answer.ms).toBeLessThan(2000);
    }
    expect((await app.request('/health/deep')).status).toBe(503);
    expect((await app.request('/health')).status).toBe(200);

    proxy.restore();
    expect((await app.request('/health/deep')).status).toBe(200);
    expect(await (await app.request(`/store/${id}`)).text()).toBe('{"phase":"before"}');
    expect((await app.request('/store', postJson('{"phase":"after"}'))).status).toBe(201);
  });

  it('SVC-9: a service started while the database is down migrates and serves once it is back', async () => {
    const fresh = await createScratchSchema(testDatabaseUrl as string, 'late');
    try {
      const target = new URL(fresh.url);
      const lateProxy = await startProxy(target.hostname, Number(target.port || 5432));
      lateProxy.cut();
      const viaProxy = new URL(fresh.url);
      viaProxy.host = `127.0.0.1:${lateProxy.port}`;
      const lateStore = new PgStore({ connectionString: viaProxy.toString() });
      const app = appOn(lateStore);
      expect((await app.request('/store', postJson('{}'))).status).toBe(503);
      lateProxy.restore();
      expect((await app.request('/store', postJson('{}'))).status).toBe(201);
      await lateStore.close();
      await lateProxy.close();
    } finally {
      await fresh.drop();
    }
  });
});
