import { connect, createServer, type Server, type Socket } from 'node:net';

/** A listening TCP server on a free loopback port. */
export interface TcpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server, sockets: Set<Socket>): Promise<TcpEndpoint> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () =>
          new Promise((closed) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => closed());
          }),
      });
    });
  });
}

/** Accepts connections and never answers: the worst kind of database outage. */
export function startBlackHole(): Promise<TcpEndpoint> {
  const sockets = new Set<Socket>();
  return listen(
    createServer((socket) => socket.on('error', () => {})),
    sockets,
  );
}

/** A port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const endpoint = await startBlackHole();
  await endpoint.close();
  return endpoint.port;
}

/** A TCP proxy that can cut every connection and refuse new ones, then be restored. */
export interface CuttableProxy extends TcpEndpoint {
  cut(): void;
  restore(): void;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    client.on('error', () => {});
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const endpoint = await listen(server, sockets);
  return {
    ...endpoint,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
  };
}

/**
 * Speaks just enough of the PostgreSQL protocol to refuse every login with 28P01, as a server does
 * once the password it was given has been rotated away.
 */
export function startRejectingPostgres(): Promise<TcpEndpoint> {
  const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "app"'];
  const payload = Buffer.from(`${fields.join('\0')}\0\0`);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(payload.length + 4, 1);
  const refusal = Buffer.concat([header, payload]);
  return listen(
    createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end(refusal));
    }),
    new Set(),
  );
}
