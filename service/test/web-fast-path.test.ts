import { connect } from 'node:net';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppDependencies, createApp, withDefaults } from '../src/app.ts';
import { startWebServer, type WebServer } from '../src/web.ts';
import { createWebFastPath } from '../src/web-fast-path.ts';
import { servedBy } from './support/app.ts';
import { MemoryStore } from './support/memory-store.ts';

// Web mode answers plain `GET /` and `GET /health` on node:http itself (see web-fast-path.ts). These
// tests hold that fast path to exactly the bytes and the log line the route table gives the same request.

type Settings = AppDependencies['settings'];
/** One instant for every server: the log lines' times and durations must not differ by the clock. */
const instant = Date.now();

/** Sends one request as written, with `Connection: close`, and returns the whole answer without its Date. */
function exchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}Connection: close\r\n\r\n`));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received.replace(/^Date: .*\r\n/m, '')));
  });
}

const servers: WebServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.drain())));

/** A server on `app` (built from its own log and seeded failure draw), with or without the fast path. */
async function serve(settings: Settings, fast: 'fast path' | 'route table' | 'fast path only') {
  const lines: string[] = [];
  const deps = withDefaults({
    settings,
    store: async () => new MemoryStore(),
    log: (line) => lines.push(line),
    now: () => instant,
  });
  // An answer of 418 means a request the fast path left reached what stands behind it.
  const app =
    fast === 'fast path only' ? new Hono().all('*', (c) => c.text('reached Hono', 418)) : createApp(deps);
  const server = await startWebServer(app, {
    port: 0,
    hostname: '127.0.0.1',
    fastPath: fast === 'route table' ? undefined : createWebFastPath(deps),
  });
  servers.push(server);
  return { port: server.port, lines };
}

const plain = [
  'GET / HTTP/1.1\r\nHost: localhost:8080\r\n',
  'GET /health HTTP/1.1\r\nHost: 10.0.1.23:8080\r\n',
  'GET /health HTTP/1.1\r\nHost: hello.example.com\r\nAccept: */*\r\n',
];
const others = [
  'HEAD / HTTP/1.1\r\nHost: localhost:8080\r\n',
  'GET /?fresh=1 HTTP/1.1\r\nHost: localhost\r\n',
  'GET //health HTTP/1.1\r\nHost: localhost\r\n',
  'GET /health/ HTTP/1.1\r\nHost: localhost\r\n',
  'GET /info HTTP/1.1\r\nHost: localhost\r\n',
  'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n',
  'GET / HTTP/1.1\r\nHost: LOCALHOST\r\n',
  'GET / HTTP/1.1\r\nHost: localhost:80\r\n',
  'GET / HTTP/1.1\r\nHost: user@localhost\r\n',
  'GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\n',
  'GET / HTTP/1.0\r\n',
];

describe.each([
  ['the greeting', undefined],
  ['the fault switch', 'root-500' as const],
])('web mode with %s', (_, faultMode) => {
  const settings: Settings = { servedBy, faultMode, failureRate: 0.5, failureSeed: 7 };

  it('SVC-2: answers plain GET / and GET /health byte for byte and log line for log line as the route table', async () => {
    const [fast, table] = await Promise.all([serve(settings, 'fast path'), serve(settings, 'route table')]);
    for (const head of [...plain, ...others, ...plain]) {
      expect(await exchange(fast.port, head), head).toBe(await exchange(table.port, head));
    }
    expect(fast.lines).toEqual(table.lines);
    expect(fast.lines.length).toBeGreaterThan(2 * plain.length);
  });

  it('SVC-2: answers plain GET / and GET /health itself and leaves every other request to the route table', async () => {
    const only = await serve(settings, 'fast path only');
    for (const head of plain) expect(await exchange(only.port, head), head).not.toContain('418');
    for (const head of others) expect(await exchange(only.port, head), head).not.toMatch(/^HTTP\/1\.1 [25]/);
    expect(only.lines.map((line) => JSON.parse(line).path)).toEqual(['/', '/health', '/health']);
  });
});
