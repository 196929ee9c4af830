import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../src/errors.ts';
import { seededRandom } from '../src/random.ts';
import { postJson, servedBy, testApp } from './support/app.ts';
import { unknownId } from './support/memory-store.ts';

describe('routes', () => {
  it('SVC-1: GET / answers 200 Hello, DevOps!', async () => {
    const response = await testApp().app.request('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Hello, DevOps!');
  });

  it('SVC-1: GET /health answers 200 healthy', async () => {
    const response = await testApp().app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('healthy');
  });

  it.each(['/nope', '/health/', '/HEALTH', '/store/a/b', '/info/x'])(
    'SVC-1: %s answers 404 JSON',
    async (path) => {
      const response = await testApp().app.request(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: 'not_found' });
    },
  );

  it('SVC-1: an unsupported method on a known path answers 404', async () => {
    const response = await testApp().app.request('/', { method: 'DELETE' });
    expect(response.status).toBe(404);
  });

  it('SVC-8: GET /info reports version, region, engine, colour, instance and start time', async () => {
    const { app } = testApp({ now: () => Date.UTC(2030, 0, 2, 3, 4, 5) });
    const response = await app.request('/info');
    expect(await response.json()).toEqual({ ...servedBy, startedAt: '2030-01-02T03:04:05.000Z' });
  });

  it.each([
    ['/', 200],
    ['/nope', 404],
    ['/store/not-a-uuid', 400],
  ])('SVC-8: %s carries the x-served-by headers (status %i)', async (path, status) => {
    const response = await testApp().app.request(path);
    expect(response.status).toBe(status);
    expect(
      Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('x-served-by'))),
    ).toEqual({
      'x-served-by-version': '1.2.3',
      'x-served-by-region': 'eu-west-1',
      'x-served-by-engine': 'beanstalk',
      'x-served-by-colour': 'green',
    });
  });

  it('SVC-8: error responses of every kind carry the x-served-by headers', async () => {
    const { app } = testApp({ store: () => Promise.reject(new DatabaseUnavailableError('down')) });
    for (const response of [
      await app.request('/store', postJson('{}', 'text/plain')),
      await app.request('/store', postJson('x'.repeat(70_000))),
      await app.request('/health/deep'),
    ]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get('x-served-by-colour')).toBe('green');
    }
  });
});

describe('store routes', () => {
  it('SVC-3: POST /store answers 201 with an id, and GET /store/:id returns the exact bytes', async () => {
    const { app, store } = testApp();
    const body = '{ "b": 1,  "a": [1e308, -0, 9007199254740993], "a": "dup" }';
    const created = await app.request('/store', postJson(body));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.get('location')).toBe(`/store/${id}`);
    const read = await app.request(`/store/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('application/json');
    expect(await read.text()).toBe(body);
    expect(store.records).toHaveLength(1);
  });

  it('SVC-3: GET /store?limit=N lists the newest first, 20 by default, at most N', async () => {
    const { app } = testApp();
    for (let i = 0; i < 25; i++) await app.request('/store', postJson(`{"n":${i}}`));
    const two = (await (await app.request('/store?limit=2')).json()) as {
      records: { data: { n: number } }[];
    };
    expect(two.records.map((record) => record.data.n)).toEqual([24, 23]);
    const byDefault = (await (await app.request('/store')).json()) as { records: unknown[] };
    expect(byDefault.records).toHaveLength(20);
    const all = (await (await app.request('/store?limit=100')).json()) as { records: unknown[] };
    expect(all.records).toHaveLength(25);
  });

  it('SVC-3: accepts a document nested exactly 1000 levels deep, brackets in strings not counted', async () => {
    const body = `{"a":${'['.repeat(999)}"[[[{{{"${']'.repeat(999)}}`;
    expect((await testApp().app.request('/store', postJson(body))).status).toBe(201);
  });

  it('SVC-3: accepts application/json with a utf-8 charset and +json media types', async () => {
    const { app } = testApp();
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json', 'Application/JSON']) {
      expect((await app.request('/store', postJson('{}', type))).status).toBe(201);
    }
  });

  it('SVC-3: an unknown id answers 404 JSON', async () => {
    const response = await testApp().app.request(`/store/${unknownId()}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });
});

const oversized = 'x'.repeat(2 * 1024 * 1024);
const hostile: [string, string, RequestInit | undefined, number][] = [
  ['a 2 MB body', '/store', postJson(`{"a":"${oversized}"}`), 413],
  ['a body one byte over 64 KiB', '/store', postJson(`{"a":"${'x'.repeat(64 * 1024 - 7)}"}`), 413],
  ['truncated JSON', '/store', postJson('{"a": [1, 2'), 400],
  ['an empty body', '/store', postJson(''), 400],
  ['a JSON array', '/store', postJson('[1,2]'), 400],
  ['a JSON string', '/store', postJson('"text"'), 400],
  ['JSON null', '/store', postJson('null'), 400],
  ['a JSON number', '/store', postJson('42'), 400],
  ['two JSON objects', '/store', postJson('{}{}'), 400],
  [
    'nesting deeper than 1000 levels',
    '/store',
    postJson(`{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`),
    400,
  ],
  ['30 000 levels of nesting', '/store', postJson(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`), 400],
  [
    'invalid UTF-8',
    '/store',
    postJson(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
    400,
  ],
  [
    'an overlong UTF-8 encoding',
    '/store',
    postJson(new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])),
    400,
  ],
  ['text/plain', '/store', postJson('{}', 'text/plain'), 415],
  ['form data', '/store', postJson('a=1', 'application/x-www-form-urlencoded'), 415],
  ['no content type', '/store', { method: 'POST', body: '{}' }, 415],
  ['JSON in latin-1', '/store', postJson('{}', 'application/json; charset=iso-8859-1'), 415],
  ['path traversal', '/store/..%2f..%2fetc%2fpasswd', undefined, 400],
  ['an id that is not a uuid', '/store/12345', undefined, 400],
  ['an SQL injection id', "/store/1'%20OR%20'1'='1", undefined, 400],
  ['limit=-1', '/store?limit=-1', undefined, 400],
  ['limit=0', '/store?limit=0', undefined, 400],
  ['limit=101', '/store?limit=101', undefined, 400],
  ['limit=1e9', '/store?limit=1e9', undefined, 400],
  ['limit=abc', '/store?limit=abc', undefined, 400],
  ['limit=2.5', '/store?limit=2.5', undefined, 400],
  ['an empty limit', '/store?limit=', undefined, 400],
];

describe('hostile input', () => {
  it.each(hostile)(
    'SVC-3: %s answers %i with a JSON error and stores nothing',
    async (_, path, init, status) => {
      const { app, store } = testApp();
      const response = await app.request(path, init);
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: string; detail: string };
      expect(body.error).toEqual(expect.any(String));
      expect(body.detail).toEqual(expect.any(String));
      expect(store.records).toHaveLength(0);
    },
  );

  it('SVC-3: a chunked 2 MB body is cut off at the limit with 413', async () => {
    const { app, store } = testApp();
    let sent = 0;
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const response = await app.request('/store', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(2 * 1024 * 1024);
    expect(store.records).toHaveLength(0);
  });
});

describe('database outage', () => {
  it('SVC-3: /store answers 503 within the deadline when the database never answers', async () => {
    const { app } = testApp({ store: () => new Promise(() => {}), storeDeadlineMs: 300 });
    const started = performance.now();
    const response = await app.request('/store', postJson('{}'));
    expect(response.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await response.json()).toMatchObject({ error: 'database_unavailable' });
  });

  it('SVC-10: /health/deep answers 200 when the database answers, 503 with the reason when not', async () => {
    expect((await testApp().app.request('/health/deep')).status).toBe(200);
    const unconfigured = testApp({
      store: () => Promise.reject(new DatabaseUnavailableError('no database configured in this region')),
    });
    const response = await unconfigured.app.request('/health/deep');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: 'database_unavailable',
      detail: 'no database configured in this region',
    });
    expect((await unconfigured.app.request('/health')).status).toBe(200);
  });

  it('SVC-3: an unexpected error answers 500 without its details and is logged', async () => {
    const { app, lines } = testApp({ store: () => Promise.reject(new Error('secret internals')) });
    const response = await app.request(`/store/${unknownId()}`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret internals');
    expect(lines.some((line) => line.event === 'unexpected-error')).toBe(true);
  });
});

describe('fault switch and request log', () => {
  it('SVC-6: FAULT_MODE=root-500 makes / answer 500 while /health stays 200', async () => {
    const { app } = testApp({ settings: { faultMode: 'root-500' } });
    expect((await app.request('/')).status).toBe(500);
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/health/deep')).status).toBe(200);
  });

  it('SVC-5: writes one JSON line per request with the stable field names', async () => {
    const { app, lines } = testApp();
    await app.request('/');
    await app.request('/nope?x=1');
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      'time',
      'method',
      'path',
      'status',
      'durationMs',
      'outcome',
      'version',
      'region',
      'engine',
      'colour',
    ]);
    expect(lines[1]).toMatchObject({
      method: 'GET',
      path: '/nope',
      status: 404,
      outcome: 'success',
      engine: 'beanstalk',
    });
    expect(typeof lines[1]?.durationMs).toBe('number');
  });

  it('SVC-5: a path with quotes and control characters still yields valid JSON', async () => {
    const { app, lines } = testApp();
    await app.request('/a%22b%5Cc%0A');
    expect(lines[0]?.path).toEqual(expect.stringContaining('/a'));
  });

  it('SVC-5: FAILURE_RATE=0.2 records about 20% failures, the same ones for the same seed, responses unchanged', async () => {
    const outcomesFor = async (seed: number) => {
      const { app, lines } = testApp({ settings: { failureRate: 0.2 }, random: seededRandom(seed) });
      for (let i = 0; i < 2000; i++) expect((await app.request('/')).status).toBe(200);
      return lines.map((line) => line.outcome);
    };
    const first = await outcomesFor(42);
    const share = first.filter((outcome) => outcome === 'failure').length / first.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    expect(await outcomesFor(42)).toEqual(first);
    expect(await outcomesFor(43)).not.toEqual(first);
  });

  it('SVC-5: FAILURE_SEED alone makes the failure lines the same from one start to the next', async () => {
    const outcomes = async () => {
      const { app, lines } = testApp({ settings: { failureRate: 0.5, failureSeed: 9 } });
      for (let i = 0; i < 200; i++) await app.request('/health');
      return lines.map((line) => line.outcome);
    };
    const first = await outcomes();
    expect(new Set(first)).toEqual(new Set(['success', 'failure']));
    expect(await outcomes()).toEqual(first);
  });

  it('SVC-5: the log line carries the literal "outcome":"failure" the metric filter matches', async () => {
    const raw: string[] = [];
    const { app } = testApp({ settings: { failureRate: 1 }, log: (line) => raw.push(line) });
    await app.request('/');
    expect(raw[0]).toContain('"outcome":"failure"');
  });
});
