import { expect } from 'vitest';
import { type EventKind, eventFor, type LambdaResult, resultBody, resultHeader } from './lambda-events.ts';

/** The placeholder a step uses for the id returned by the latest `POST /store`. */
export const LAST_ID = '00000000-0000-4000-8000-00000000000a';

/** One request of the walk and what it must answer. */
export interface Step {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: a Lambda event is free-form JSON.
  readonly event: any;
  readonly status: number;
  readonly body?: string | RegExp;
}

const document = '{"text":"Grüße 😀","n":9007199254740993,"q":"\'; DROP TABLE records; --"}';

/** Every route, through one event shape: the same walk for the source and for the built bundle. */
export function routeWalk(kind: EventKind, storeWorks: boolean): Step[] {
  const json = { 'content-type': 'application/json' };
  const stored = storeWorks
    ? [
        {
          name: 'POST /store (base64 body)',
          event: eventFor(kind, {
            method: 'POST',
            path: '/store',
            headers: json,
            body: document,
            base64: true,
          }),
          status: 201,
          body: /^\{"id":"[0-9a-f-]{36}"\}$/,
        },
        {
          name: 'GET /store/:id',
          event: eventFor(kind, { path: `/store/${LAST_ID}` }),
          status: 200,
          body: document,
        },
        {
          name: 'POST /store (plain body)',
          event: eventFor(kind, { method: 'POST', path: '/store', headers: json, body: '{"second":true}' }),
          status: 201,
        },
        {
          name: 'GET /store?limit=1',
          event: eventFor(kind, { path: '/store', query: { limit: '1' } }),
          status: 200,
          body: /^\{"records":\[\{"id":"[0-9a-f-]{36}","createdAt":"[^"]+","data":\{"second":true\}\}\]\}$/,
        },
        { name: 'GET /health/deep', event: eventFor(kind, { path: '/health/deep' }), status: 200 },
      ]
    : [
        {
          name: 'POST /store without a database',
          event: eventFor(kind, { method: 'POST', path: '/store', headers: json, body: '{}' }),
          status: 503,
          body: /no database configured in this region/,
        },
        {
          name: 'GET /health/deep without a database',
          event: eventFor(kind, { path: '/health/deep' }),
          status: 503,
          body: /no database configured in this region/,
        },
      ];
  return [
    { name: 'GET /', event: eventFor(kind, { path: '/' }), status: 200, body: 'Hello, DevOps!' },
    { name: 'GET /health', event: eventFor(kind, { path: '/health' }), status: 200, body: 'healthy' },
    { name: 'GET /info', event: eventFor(kind, { path: '/info' }), status: 200, body: /"engine":"lambda"/ },
    { name: 'GET /nope', event: eventFor(kind, { path: '/nope' }), status: 404 },
    ...stored,
    {
      name: 'GET /store?limit=abc',
      event: eventFor(kind, { path: '/store', query: { limit: 'abc' } }),
      status: 400,
    },
    {
      name: 'POST /store with text/plain',
      event: eventFor(kind, {
        method: 'POST',
        path: '/store',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      }),
      status: 415,
    },
    {
      name: 'POST /store with 100 KB',
      event: eventFor(kind, {
        method: 'POST',
        path: '/store',
        headers: json,
        body: `{"a":"${'x'.repeat(100_000)}"}`,
      }),
      status: 413,
    },
  ];
}

/** Runs the steps in order, substituting the latest id, and checks every answer. */
export async function walk(steps: Step[], invoke: (event: unknown) => Promise<LambdaResult>): Promise<void> {
  let lastId = LAST_ID;
  for (const step of steps) {
    const event = JSON.parse(JSON.stringify(step.event).replaceAll(LAST_ID, lastId));
    const result = await invoke(event);
    const body = resultBody(result);
    expect({ step: step.name, status: result.statusCode }).toEqual({ step: step.name, status: step.status });
    if (typeof step.body === 'string') expect(body).toBe(step.body);
    else if (step.body) expect(body).toMatch(step.body);
    expect(resultHeader(result, 'x-served-by-engine')).toBe('lambda');
    const id = /^\{"id":"([0-9a-f-]{36})"\}$/.exec(body)?.[1];
    if (id) lastId = id;
  }
}
