import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import type { Requirement } from './requires.ts';

/** node:crypto makes keys but cannot sign certificates: the openssl command line does. */
export const openssl: Requirement = {
  tool: 'openssl',
  available: spawnSync('openssl', ['version']).status === 0,
  howTo: 'install OpenSSL (Debian and Ubuntu: apt-get install openssl)',
};

/** A private key and the certificate for it (PEM). */
export interface TlsIdentity {
  readonly key: string;
  readonly cert: string;
}

/** A throwaway certificate authority that lives for one test run. */
export interface TestCa {
  /** The CA's own certificate (PEM), the one a client must trust. */
  readonly certificate: string;
  /** A server certificate for `hostName`, signed by this CA. */
  issue(hostName: string): TlsIdentity;
}

function newKey(): string {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/**
 * Runs openssl with `command` (arguments without spaces) in a scratch directory holding `files`, and
 * returns the text of `output`. Each call brings its own configuration: the system's openssl.cnf adds
 * no extension.
 */
function openSsl(files: Readonly<Record<string, string>>, command: string, output: string): string {
  const args = command.split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`openssl ${args[0]} failed: ${result.stderr || String(result.error)}`);
    }
    return readFileSync(join(dir, output), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates a CA whose certificates are valid for a day. */
export function createTestCa(): TestCa {
  const caKey = newKey();
  const certificate = openSsl(
    {
      'ca.key': caKey,
      'ca.cnf':
        '[req]\nprompt = no\ndistinguished_name = dn\nx509_extensions = ext\n[dn]\nCN = Throwaway test CA\n' +
        '[ext]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n' +
        'subjectKeyIdentifier = hash\n',
    },
    'req -new -x509 -config ca.cnf -key ca.key -days 1 -out ca.pem',
    'ca.pem',
  );
  let serial = 0;
  return {
    certificate,
    issue(hostName) {
      serial += 1;
      const key = newKey();
      const files = {
        'ca.key': caKey,
        'ca.pem': certificate,
        'server.key': key,
        'server.cnf':
          `[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = ${hostName}\n` +
          '[ext]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n' +
          `extendedKeyUsage = serverAuth\nsubjectAltName = DNS:${hostName}\n`,
      };
      const csr = openSsl(files, 'req -new -config server.cnf -key server.key -out server.csr', 'server.csr');
      const cert = openSsl(
        { ...files, 'server.csr': csr },
        'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 1 -extfile server.cnf -extensions ext ' +
          `-set_serial ${serial} -out server.pem`,
        'server.pem',
      );
      return { key, cert };
    },
  };
}

/** A PostgreSQL endpoint that speaks just enough of the protocol to test a client's TLS. */
export interface FakeTlsPostgres {
  readonly port: number;
  /** Connections whose TLS handshake completed. */
  readonly handshakes: number;
  close(): Promise<void>;
}

/** What the fake answers every query with, once a client got through TLS. */
export const FAKE_QUERY_ERROR = 'fake PostgreSQL: no SQL here';

const SSL_REQUEST_CODE = 80_877_103;

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const authenticationOk = message('R', Buffer.from([0, 0, 0, 0]));
const readyForQuery = message('Z', Buffer.from('I'));
const queryError = message('E', Buffer.from(`SERROR\0VERROR\0C0A000\0M${FAKE_QUERY_ERROR}\0\0`, 'latin1'));

/**
 * Answers the 8-byte SSLRequest with 'S', completes the TLS handshake with `identity`, accepts any
 * startup without a password and answers every query with an error ({@link FAKE_QUERY_ERROR}).
 * Listens on 127.0.0.1; clients connect to `localhost`, the name the certificates carry.
 */
export function startFakeTlsPostgres(identity: TlsIdentity): Promise<FakeTlsPostgres> {
  const sockets = new Set<Socket>();
  let handshakes = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (request) => {
      if (request.length !== 8 || request.readInt32BE(4) !== SSL_REQUEST_CODE) {
        socket.destroy();
        return;
      }
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, key: identity.key, cert: identity.cert });
      secure.on('error', () => socket.destroy());
      secure.on('secure', () => {
        handshakes += 1;
      });
      let pending = Buffer.alloc(0);
      let started = false;
      secure.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          // The startup message has no type byte; every later message has one.
          const offset = started ? 1 : 0;
          if (pending.length < offset + 4) return;
          const size = offset + pending.readInt32BE(offset);
          if (pending.length < size) return;
          const type = started ? String.fromCharCode(pending[0] ?? 0) : '';
          pending = pending.subarray(size);
          if (!started) {
            started = true;
            secure.write(Buffer.concat([authenticationOk, readyForQuery]));
          } else if (type === 'Q' || type === 'S') {
            secure.write(Buffer.concat([queryError, readyForQuery]));
          } else if (type === 'X') {
            secure.end();
          }
        }
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        get handshakes() {
          return handshakes;
        },
        close: () =>
          new Promise((closed) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => closed());
          }),
      });
    });
  });
}
