import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { WebFastPath } from './web-fast-path.ts';

/** A listening web server that can be drained. */
export interface WebServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /**
   * Stops accepting connections and resolves once every in-flight request has been answered and every
   * connection closed. Responses sent while draining carry `Connection: close`.
   */
  drain(): Promise<void>;
}

/** Options of `startWebServer`. */
export interface WebServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. @default all interfaces */
  readonly hostname?: string;
  /** How long idle keep-alive connections may linger once draining starts. @default 1000 */
  readonly idleGraceMs?: number;
  /** Answers the requests it can before the route table does (createWebFastPath). @default none */
  readonly fastPath?: WebFastPath;
}

/** Serves the app over HTTP/1.1 with keep-alive settings that suit a load balancer in front. */
export function startWebServer(app: Hono, options: WebServerOptions): Promise<WebServer> {
  let draining = false;
  return new Promise((resolve, reject) => {
    const hono = getRequestListener((request, env) => {
      const { outgoing } = env as HttpBindings;
      // Tells keep-alive clients to take their next request elsewhere instead of having a reused
      // connection reset under them. Checked when the answer is ready, so requests already in
      // flight when the drain starts are covered too.
      const closeIfDraining = (response: Response) => {
        if (draining) outgoing.setHeader('connection', 'close');
        return response;
      };
      const response = app.fetch(request, env);
      return response instanceof Promise ? response.then(closeIfDraining) : closeIfDraining(response);
    });
    const { fastPath } = options;
    // While draining every request takes the route table, which adds `Connection: close`.
    const server = createServer((incoming, outgoing) => {
      if (!draining && fastPath?.(incoming, outgoing)) return;
      void hono(incoming, outgoing);
    });
    server.listen(options.port, options.hostname, () => {
      const address = server.address();
      resolve({ port: typeof address === 'object' && address !== null ? address.port : options.port, drain });
    });
    server.once('error', reject);
    // Longer than the ALB's 60-second idle timeout, so the load balancer, not the server, closes idle
    // connections (otherwise a request can race the close and the ALB answers 502).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;

    function drain(): Promise<void> {
      draining = true;
      return new Promise((closed) => {
        let idleSweep: NodeJS.Timeout | undefined;
        const grace = setTimeout(() => {
          server.closeIdleConnections();
          idleSweep = setInterval(() => server.closeIdleConnections(), 250);
          idleSweep.unref();
        }, options.idleGraceMs ?? 1000);
        grace.unref();
        // http.Server#close would also drop idle keep-alive connections at once, resetting any request a
        // busy client is sending on them right now; the listener alone stops here. Idle connections
        // are closed after a grace period, by which time busy clients have received `Connection: close`.
        NetServer.prototype.close.call(server, () => {
          clearTimeout(grace);
          clearInterval(idleSweep);
          closed();
        });
      });
    }
  });
}
