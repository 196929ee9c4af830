import { GetParameterCommand, ParameterNotFound, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { createDrainSwitch, DRAIN_CACHE_MS, type DrainSwitch } from '../src/drain.ts';
import { loadSettings } from '../src/settings.ts';
import { startWebServer, type WebServer } from '../src/web.ts';
import { servedBy } from './support/app.ts';
import { MemoryStore } from './support/memory-store.ts';

const PARAMETER = '/hello/eu-west-1/traffic/drain';
const START = Date.UTC(2026, 11, 5, 4, 0, 0);
const UNTIL = '2026-12-05T04:10:00.000Z';

const client = new SSMClient({ region: 'eu-west-1' });
const ssm = mockClient(client);
let clock = START;
let unreadable: string[] = [];
let drain: DrainSwitch;
let server: WebServer;
let base: URL;

// The real service over HTTP, its drain switch (a new one each test) reading the mocked SSM on a clock
// the tests move.
beforeAll(async () => {
  const store = new MemoryStore();
  const app = createApp({
    settings: { servedBy, faultMode: undefined, failureRate: 0 },
    store: async () => store,
    log: () => {},
    drain: () => drain(),
  });
  server = await startWebServer(app, { port: 0, hostname: '127.0.0.1' });
  base = new URL(`http://127.0.0.1:${server.port}/`);
});
afterAll(async () => {
  await server.drain();
});

beforeEach(() => {
  ssm.reset();
  unreadable = [];
  clock = START;
  drain = createDrainSwitch({
    parameterName: PARAMETER,
    region: 'eu-west-1',
    client,
    now: () => clock,
    onUnreadable: (detail) => unreadable.push(detail),
  });
});

const get = async (path: string) => {
  const response = await fetch(new URL(path, base));
  return { status: response.status, body: await response.text() };
};
const deep = async () => {
  const { status, body } = await get('health/deep');
  return { status, body: JSON.parse(body) as Record<string, unknown> };
};
const drainUntil = (iso: string) =>
  ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Value: iso } });
const denied = () =>
  new SSMServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message: 'not authorized to perform: ssm:GetParameter',
  });

describe('the drain switch of /health/deep', () => {
  it('OPS-1: /health/deep answers 503 draining with the time while it is ahead; /, /health and /store keep serving', async () => {
    clock = Date.parse(UNTIL) - 5 * 60_000;
    drainUntil(UNTIL);
    expect(await deep()).toEqual({ status: 503, body: { status: 'draining', until: UNTIL } });
    expect(await get('')).toEqual({ status: 200, body: 'Hello, DevOps!' });
    expect((await get('health')).status).toBe(200);
    const posted = await fetch(new URL('store', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"during":"drain"}',
    });
    expect(posted.status).toBe(201);
    const { id } = (await posted.json()) as { id: string };
    expect(await get(`store/${id}`)).toEqual({ status: 200, body: '{"during":"drain"}' });
  });

  it('OPS-1: once the time has passed the region is healthy again, though the parameter is still there', async () => {
    clock = Date.parse(UNTIL) - 1000;
    drainUntil(UNTIL);
    expect((await deep()).status).toBe(503);
    clock = Date.parse(UNTIL) + DRAIN_CACHE_MS;
    expect(await deep()).toEqual({ status: 200, body: { status: 'healthy', database: 'reachable' } });
  });

  it('OPS-1: without the parameter (the drill cleaned up, or never ran) the region serves', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ $metadata: {}, message: 'parameter not found' }));
    expect((await deep()).status).toBe(200);
    expect(unreadable).toEqual([]);
  });

  it('OPS-1: a read is reused for 10 s: many health checks cost one GetParameter, and a new drain shows within 10 s', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: 'none' }));
    await Promise.all(Array.from({ length: 20 }, () => deep()));
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    drainUntil(new Date(clock + 60_000).toISOString());
    clock += DRAIN_CACHE_MS - 1;
    expect((await deep()).status).toBe(200);
    clock += 1;
    expect((await deep()).status).toBe(503);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('OPS-1: an unreadable parameter does not take the region out: it serves, and says why in the log', async () => {
    ssm.on(GetParameterCommand).rejects(denied());
    expect((await deep()).status).toBe(200);
    expect(unreadable).toEqual([
      `${PARAMETER}: AccessDeniedException: not authorized to perform: ssm:GetParameter`,
    ]);
  });

  it('OPS-1: a failed read keeps the drain read before it, which still ends at its own time', async () => {
    clock = Date.parse(UNTIL) - 60_000;
    drainUntil(UNTIL);
    expect((await deep()).status).toBe(503);
    ssm.reset();
    ssm.on(GetParameterCommand).rejects(denied());
    clock += DRAIN_CACHE_MS;
    expect((await deep()).status).toBe(503);
    clock = Date.parse(UNTIL) + DRAIN_CACHE_MS;
    expect((await deep()).status).toBe(200);
    expect(unreadable).toHaveLength(2);
  });

  it('OPS-1: a value that is not a time is ignored and named', async () => {
    drainUntil('yes');
    expect((await deep()).status).toBe(200);
    expect(unreadable).toEqual([`${PARAMETER}: "yes" is not an ISO 8601 time`]);
  });
});

describe('DRAIN_PARAMETER', () => {
  it('OPS-1: names the drain parameter; unset, the service has no drain switch', () => {
    expect(loadSettings({ DRAIN_PARAMETER: PARAMETER }).drainParameter).toBe(PARAMETER);
    expect(loadSettings({}).drainParameter).toBeUndefined();
  });

  it('OPS-1: a value that is no parameter name is refused naming the variable', () => {
    expect(() => loadSettings({ DRAIN_PARAMETER: 'not a name' })).toThrow(
      /DRAIN_PARAMETER="not a name": expected an SSM parameter name/,
    );
  });
});
