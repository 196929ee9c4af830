import { type Agent, request } from 'node:http';
import { connect } from 'node:net';

/** A response read in full. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Options of `send`. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent with Content-Length. */
  readonly body?: string | Uint8Array;
  readonly agent?: Agent | false;
}

/** One request over a real socket, the path sent exactly as given (no URL normalisation). */
export function send(port: number, path: string, options: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /store with a body of the given content type, JSON unless told. */
export function postStore(
  port: number,
  body: string | Uint8Array,
  contentType = 'application/json',
): Promise<RawResponse> {
  return send(port, '/store', { method: 'POST', headers: { 'content-type': contentType }, body });
}

/**
 * Uploads a body over a bare socket and returns the status line's code. Unlike node's HTTP client it
 * keeps reading when the server answers early and stops the upload (as it should for a 413).
 */
export function uploadRaw(port: number, head: string, body: Iterable<Uint8Array>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      if (status) resolve(Number(status));
      else reject(new Error(`no HTTP answer, got ${JSON.stringify(received.slice(0, 80))}`));
    });
    socket.on('error', () => {});
    socket.write(head);
    for (const chunk of body) socket.write(chunk);
  });
}
