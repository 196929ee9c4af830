import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type KeepAliveLoadReport, keepAliveLoad } from '../keep-alive-load.ts';

/** A tiny HTTP server whose listener can close while its open connections go on being served. */
interface TinyServer {
  readonly port: number;
  /** Stops accepting connections; the open ones stay, and the handler is told it is stopping. */
  readonly stop: () => Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, stopping: boolean) => void;

const open = new Set<Socket>();
const listeners: { close(): void }[] = [];
afterEach(() => {
  for (const listener of listeners.splice(0)) listener.close();
  for (const socket of open) socket.destroy();
  open.clear();
});

/** The HTTP server is fed the sockets of a separate listener, so closing one keeps the other serving. */
async function tinyServer(handler: Handler): Promise<TinyServer> {
  let stopping = false;
  const http = createHttpServer((req, res) => handler(req, res, stopping));
  const listener = createTcpServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    http.emit('connection', socket);
  });
  listeners.push(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: async () => {
      stopping = true;
      listener.close();
    },
  };
}

/** Loads a tiny server and stops it once the load is steady. */
async function loadThenStop(handler: Handler, connections: number): Promise<KeepAliveLoadReport> {
  const server = await tinyServer(handler);
  return keepAliveLoad({ port: server.port, connections, signal: server.stop });
}

describe('keepAliveLoad', () => {
  it('counts a server that closes its listener and tells clients to close as refused, not failed', async () => {
    const report = await loadThenStop((_, res, stopping) => {
      if (stopping) res.setHeader('connection', 'close');
      res.end('Hello, DevOps!');
    }, 4);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThanOrEqual(200);
    expect(report.okAfterSignal).toBeGreaterThan(0);
  });

  it('records a failure for each reused connection the server resets', async () => {
    const served = new WeakSet<Socket>();
    const report = await loadThenStop((req, res, stopping) => {
      if (stopping && served.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      res.end('Hello, DevOps!');
    }, 4);
    expect(report.failures.length).toBeGreaterThan(0);
    for (const failure of report.failures) {
      expect(failure).toMatch(/^ECONNRESET: .* \(reused connection: true\)$/);
    }
  });

  it('records a wrong answer as a failure and keeps the client going', async () => {
    const report = await loadThenStop((_, res, stopping) => {
      res.statusCode = 500;
      if (stopping) res.setHeader('connection', 'close');
      res.end('boom');
    }, 2);
    expect(report.ok).toBeGreaterThanOrEqual(200);
    expect(report.failures).toHaveLength(report.ok);
    expect(new Set(report.failures)).toEqual(new Set(['status 500']));
  });

  it('records a refusal before the signal as a failure, and does not wait for a load that never starts', async () => {
    const server = await tinyServer(() => {});
    await server.stop();
    let signals = 0;
    const started = Date.now();
    const report = await keepAliveLoad({
      port: server.port,
      connections: 3,
      signal: async () => {
        signals++;
      },
    });
    expect(report).toEqual({
      ok: 0,
      okAfterSignal: 0,
      failures: Array(3).fill('refused before the signal'),
    });
    expect(signals).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
