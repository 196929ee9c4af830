import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { type AppDependencies, createApp, withDefaults } from '../src/app.ts';
import { createLambdaHandler } from '../src/lambda.ts';
import { servedBy } from './support/app.ts';
import { type EventKind, eventFor, eventKinds, type LambdaResult } from './support/lambda-events.ts';
import { MemoryStore } from './support/memory-store.ts';

// Lambda mode answers plain `GET /` and `GET /health` straight from the event (see lambda.ts). These
// tests hold that fast path to exactly what Hono answers and logs for the same event.

type Settings = AppDependencies['settings'];
const settingsWith = (overrides: Partial<Settings> = {}): Settings => ({
  servedBy: { ...servedBy, engine: 'lambda' },
  faultMode: undefined,
  failureRate: 0,
  ...overrides,
});

/** Stands in for the route table behind the fast path: an answer of 418 means Hono was reached. */
const sentinel = new Hono().all('*', (c) => c.text('reached Hono', 418));

/** Three handlers on the same settings, each with its own log and (seeded) failure draw. */
/** One instant for every handler: `/info`'s startedAt must not differ by the millisecond each was built in. */
const startedAt = Date.now();

function handlers(settings: Settings) {
  const dependencies = (lines: string[]): AppDependencies => ({
    settings,
    store: async () => new MemoryStore(),
    log: (line) => lines.push(line),
    now: () => startedAt,
  });
  const honoLines: string[] = [];
  const fastLines: string[] = [];
  const bothLines: string[] = [];
  const fastDeps = withDefaults(dependencies(fastLines));
  const bothDeps = withDefaults(dependencies(bothLines));
  const invoker = (handler: ReturnType<typeof createLambdaHandler>) => (event: unknown) =>
    handler(event) as Promise<LambdaResult>;
  return {
    /** Every request through Hono, as before the fast path. */
    hono: invoker(createLambdaHandler(createApp(dependencies(honoLines)))),
    /** Only the fast path: anything it does not answer gets the sentinel's 418. */
    fast: invoker(createLambdaHandler(sentinel, fastDeps)),
    /** As deployed: the fast path in front of the real route table, sharing one failure draw. */
    both: invoker(createLambdaHandler(createApp(bothDeps), bothDeps)),
    honoLines,
    fastLines,
    bothLines,
  };
}

/** Whether the fast path answered `event` itself (it logs every answer; the sentinel logs nothing). */
async function throughFastPath(event: unknown): Promise<boolean> {
  const { fast, fastLines } = handlers(settingsWith());
  await quietly(() => fast(event));
  return fastLines.length > 0;
}

/** hono/aws-lambda reports the events a web Request refuses on the console before answering 400. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return await work();
  } finally {
    quiet.mockRestore();
  }
}

/** A log line without the fields that differ from one run to the next. */
function stable(line: string): Record<string, unknown> {
  const { time, durationMs, ...rest } = JSON.parse(line);
  expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(typeof durationMs).toBe('number');
  return rest;
}

const settingsCases: [string, Settings][] = [
  ['fault switch off', settingsWith()],
  ['FAULT_MODE=root-500', settingsWith({ faultMode: 'root-500' })],
  ['FAILURE_RATE=0.5 (seeded)', settingsWith({ failureRate: 0.5, failureSeed: 7 })],
  ['FAILURE_RATE=1 with FAULT_MODE=root-500', settingsWith({ failureRate: 1, faultMode: 'root-500' })],
];

describe.each(eventKinds)('Lambda fast path with %s events', (kind: EventKind) => {
  describe.each(settingsCases)('%s', (_, settings) => {
    it.each(['/', '/health'])(
      'SVC-2: GET %s answers and logs exactly as Hono does for the same event',
      async (path) => {
        const { hono, fast, honoLines, fastLines } = handlers(settings);
        // Several requests, so a seeded failure share is compared over a sequence of draws.
        for (let i = 0; i < 8; i++) {
          const fromHono = await hono(eventFor(kind, { path }));
          const fromFastPath = await fast(eventFor(kind, { path }));
          expect(fromFastPath).toStrictEqual(fromHono);
          // The same header order as well, for whoever serialises the result.
          expect(JSON.stringify(fromFastPath)).toBe(JSON.stringify(fromHono));
        }
        expect(fastLines).toHaveLength(8);
        expect(fastLines.map(stable)).toEqual(honoLines.map(stable));
      },
    );
  });

  it('SVC-6: with FAULT_MODE=root-500 the fast path answers / with 500 and /health with 200', async () => {
    const { fast } = handlers(settingsWith({ faultMode: 'root-500' }));
    expect((await fast(eventFor(kind, { path: '/' }))).statusCode).toBe(500);
    expect((await fast(eventFor(kind, { path: '/health' }))).statusCode).toBe(200);
  });

  it('SVC-8: the fast path carries every x-served-by header', async () => {
    const { fast } = handlers(settingsWith());
    const result = await fast(eventFor(kind, { path: '/' }));
    const headers = result.multiValueHeaders ?? result.headers ?? {};
    expect(Object.keys(headers).filter((name) => name.startsWith('x-served-by-'))).toHaveLength(4);
  });

  it.each([
    ['a query string', eventFor(kind, { path: '/', query: { a: '1' } })],
    ['a POST to /', eventFor(kind, { method: 'POST', path: '/', body: 'x' })],
    ['a HEAD of /', eventFor(kind, { method: 'HEAD', path: '/' })],
    ['a HEAD of /health', eventFor(kind, { method: 'HEAD', path: '/health' })],
    ['GET /health/deep', eventFor(kind, { path: '/health/deep' })],
    ['GET /health/', eventFor(kind, { path: '/health/' })],
    ['GET /info', eventFor(kind, { path: '/info' })],
    ['a GET with a body', eventFor(kind, { path: '/', body: 'x' })],
    ['a lower-case method', eventFor(kind, { method: 'get', path: '/' })],
    ['a header value a web Request encodes', eventFor(kind, { path: '/', headers: { 'x-name': 'Grüße' } })],
    ['a header value a web Request refuses', eventFor(kind, { path: '/', headers: { 'x-a': 'a\nb' } })],
    ['a header name a web Request refuses', eventFor(kind, { path: '/', headers: { 'x a': 'b' } })],
  ])('SVC-2: %s still goes to Hono', async (_, event) => {
    expect(await throughFastPath(event)).toBe(false);
    const { hono, both } = handlers(settingsWith());
    const [deployed, honoAlone] = await quietly(() =>
      Promise.all([both(structuredClone(event)), hono(structuredClone(event))]),
    );
    expect(deployed).toStrictEqual(honoAlone);
  });
});

describe('Lambda fast path, odd events', () => {
  it('SVC-2: an HTTP API stage prefix is removed before the fast path answers', async () => {
    const { hono, fast } = handlers(settingsWith());
    const event = () => {
      const staged = eventFor('http-v2', { path: '/prod/health' });
      staged.requestContext.stage = 'prod';
      return staged;
    };
    expect(await fast(event())).toStrictEqual(await hono(event()));
  });

  it.each([
    ['a host with credentials', 'user:secret@example.com'],
    ['a host with a path', 'example.com/elsewhere'],
    ['a host with a query', 'example.com?x'],
    ['a host that is not one', 'exa mple.com'],
  ])('SVC-2: an ALB event with %s goes to Hono', async (_, host) => {
    expect(await throughFastPath(eventFor('alb', { path: '/', headers: { host } }))).toBe(false);
    expect(await throughFastPath(eventFor('alb-multi-value', { path: '/', headers: { host } }))).toBe(false);
  });

  it('SVC-2: HTTP API cookies a web Request refuses send the event to Hono', async () => {
    const event = eventFor('http-v2', { path: '/' });
    event.cookies = ['a=1', 'b=\r\n'];
    expect(await throughFastPath(event)).toBe(false);
  });

  it('SVC-2: an event hono/aws-lambda reads as VPC Lattice goes to Hono', async () => {
    const event = eventFor('rest-v1', { path: '/' });
    event.requestContext.serviceArn = 'arn:aws:vpc-lattice:eu-west-1:123456789012:service/svc-0123';
    expect(await throughFastPath(event)).toBe(false);
  });

  it('SVC-5: fast path and route table draw failures from one sequence, as Hono alone would', async () => {
    const { hono, both, honoLines, bothLines } = handlers(settingsWith({ failureRate: 0.5, failureSeed: 3 }));
    const paths = ['/', '/nope', '/health', '/store/1', '/', '/health/deep', '/health', '/', '/health/', '/'];
    for (const kind of eventKinds) {
      for (const path of paths) {
        expect(await both(eventFor(kind, { path }))).toStrictEqual(await hono(eventFor(kind, { path })));
      }
    }
    const outcomes = bothLines.map((line) => JSON.parse(line).outcome);
    expect(outcomes).toContain('failure');
    expect(outcomes).toContain('success');
    expect(bothLines.map(stable)).toEqual(honoLines.map(stable));
  });

  it('SVC-2: events that are not HTTP requests are still refused', async () => {
    const { fast } = handlers(settingsWith());
    await expect(fast({})).rejects.toThrow(/not an HTTP event/);
  });
});
