import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp, MAX_DOCUMENT_BYTES, MAX_LIST_LIMIT, withDefaults } from '../src/app.ts';
import { createLambdaHandler } from '../src/lambda.ts';
import { servedBy } from './support/app.ts';
import {
  type EventKind,
  eventFor,
  eventKinds,
  fixture,
  type LambdaResult,
  resultHeader,
} from './support/lambda-events.ts';
import { routeWalk, walk } from './support/lambda-walk.ts';
import { MemoryStore } from './support/memory-store.ts';

/** Wired as the Lambda entry is: the fast path for `GET /` and `GET /health` in front of the route table. */
function lambdaOnMemory() {
  const store = new MemoryStore();
  const deps = withDefaults({
    settings: { servedBy: { ...servedBy, engine: 'lambda' }, faultMode: undefined, failureRate: 0 },
    store: async () => store,
    log: () => {},
  });
  const handler = createLambdaHandler(createApp(deps), deps);
  return { store, invoke: (event: unknown) => handler(event) as Promise<LambdaResult> };
}

/** Echoes what the app saw, to check how events are turned into requests. */
const echo = createLambdaHandler(
  new Hono().all('*', (c) =>
    c.json({
      method: c.req.method,
      path: c.req.path,
      query: c.req.queries(),
      accept: c.req.header('accept'),
      cookie: c.req.header('cookie'),
      custom: c.req.header('x-custom'),
    }),
  ),
);
const seen = async (event: unknown) => JSON.parse((await echo(event)).body);

describe.each(eventKinds)('Lambda mode with %s events', (kind: EventKind) => {
  it('SVC-2: answers every route, storing through a base64 body and reading back with a query string', async () => {
    await walk(routeWalk(kind, true), lambdaOnMemory().invoke);
  });

  it('SVC-8: the response carries every x-served-by header', async () => {
    const result = await lambdaOnMemory().invoke(eventFor(kind, { path: '/' }));
    expect(resultHeader(result, 'x-served-by-version')).toBe('1.2.3');
    expect(resultHeader(result, 'x-served-by-region')).toBe('eu-west-1');
    expect(resultHeader(result, 'x-served-by-colour')).toBe('green');
  });

  it('SVC-3: a rejected body stores nothing', async () => {
    const { store, invoke } = lambdaOnMemory();
    const event = eventFor(kind, {
      method: 'POST',
      path: '/store',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect((await invoke(event)).statusCode).toBe(400);
    expect(store.records).toHaveLength(0);
  });
});

describe('Lambda mode with the largest listing', () => {
  it("FN-1: GET /store?limit=100 of 64 KiB records fits Lambda's 6 MB response, marked truncated", async () => {
    const { invoke } = lambdaOnMemory();
    // The worst case for a Lambda response: every escaped quote (2 bytes) becomes 4 inside its body string.
    const quotes = '\\"'.repeat(Math.floor((MAX_DOCUMENT_BYTES - '{"n":99,"q":""}'.length) / 2));
    const stored: { id: string; json: string }[] = [];
    for (let n = 0; n < MAX_LIST_LIMIT; n++) {
      const json = `{"n":${n},"q":"${quotes}"}`;
      const created = await invoke(
        eventFor('http-v2', {
          method: 'POST',
          path: '/store',
          headers: { 'content-type': 'application/json' },
          body: json,
        }),
      );
      expect(created.statusCode).toBe(201);
      stored.push({ id: JSON.parse(created.body).id, json });
    }
    expect(Buffer.byteLength(stored.at(-1)?.json ?? '')).toBeGreaterThan(MAX_DOCUMENT_BYTES - 2);

    const listed = await invoke(eventFor('http-v2', { path: '/store', query: { limit: '100' } }));
    expect(listed.statusCode).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(listed))).toBeLessThan(6_000_000);
    const page = JSON.parse(listed.body) as { records: { id: string; data: unknown }[]; truncated?: boolean };
    expect(page.truncated).toBe(true);
    expect(page.records.length).toBeGreaterThan(10);
    const newest = stored.slice(-page.records.length).reverse();
    expect(page.records.map((record) => record.id)).toEqual(newest.map((record) => record.id));
    expect(page.records.map((record) => JSON.stringify(record.data))).toEqual(
      newest.map((record) => record.json),
    );
  });

  it('FN-1: a listing within the budget is whole and carries no truncated flag', async () => {
    const { invoke } = lambdaOnMemory();
    for (let n = 0; n < 3; n++) {
      await invoke(
        eventFor('http-v2', {
          method: 'POST',
          path: '/store',
          headers: { 'content-type': 'application/json' },
          body: `{"n":${n}}`,
        }),
      );
    }
    const page = JSON.parse((await invoke(eventFor('http-v2', { path: '/store' }))).body);
    expect(Object.keys(page)).toEqual(['records']);
    expect(page.records).toHaveLength(3);
  });
});

describe('Lambda event quirks', () => {
  it('SVC-2: the unmodified AWS sample events reach the app with their method, path and query', async () => {
    expect(await seen(fixture('rest-v1'))).toMatchObject({ method: 'GET', path: '/path/to/resource' });
    expect(await seen(fixture('http-v2'))).toMatchObject({
      path: '/my/path',
      query: { parameter1: ['value1', 'value2'], parameter2: ['value'] },
      cookie: 'cookie1; cookie2',
    });
    expect(await seen(fixture('alb'))).toMatchObject({ path: '/lambda', query: { query: ['1234ABCD'] } });
    expect(await seen(fixture('alb-multi-value'))).toMatchObject({ query: { myKey: ['val1', 'val2'] } });
  });

  it('SVC-2: an HTTP API stage other than $default is removed from the path', async () => {
    const { invoke } = lambdaOnMemory();
    const event = eventFor('http-v2', { path: '/prod/health' });
    event.requestContext.stage = 'prod';
    const health = await invoke(event);
    expect(health.statusCode).toBe(200);
    expect(health.body).toBe('healthy');
    const root = eventFor('http-v2', { path: '/prod' });
    root.requestContext.stage = 'prod';
    expect((await invoke(root)).body).toBe('Hello, DevOps!');
    const other = eventFor('http-v2', { path: '/production/health' });
    other.requestContext.stage = 'prod';
    expect((await invoke(other)).statusCode).toBe(404);
  });

  it('SVC-2: repeated ALB headers are joined with ", " and cookies with "; "', async () => {
    const event = fixture('alb-multi-value');
    event.multiValueHeaders['x-custom'] = ['a', 'b'];
    expect(await seen(event)).toMatchObject({ custom: 'a, b', cookie: 'name1=value1; name2=value2' });
  });

  it('SVC-2: the ALB in multi-value mode gets multiValueHeaders back, in single-value mode headers', async () => {
    const { invoke } = lambdaOnMemory();
    const multi = await invoke(eventFor('alb-multi-value', { path: '/' }));
    expect(multi.multiValueHeaders?.['x-served-by-engine']).toEqual(['lambda']);
    const single = await invoke(eventFor('alb', { path: '/' }));
    expect(single.headers?.['x-served-by-engine']).toBe('lambda');
  });

  it.each([
    ['an empty event', {}],
    ['null', null],
    ['an SQS event', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
    ['a scheduled event', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }],
  ])('SVC-2: %s is refused with a clear error, not answered as GET /', async (_, event) => {
    await expect(echo(event)).rejects.toThrow(/not an HTTP event/);
  });
});
