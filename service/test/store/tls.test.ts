import { X509Certificate } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../../../testing/requires.ts';
import {
  createTestCa,
  type FakeTlsPostgres,
  openssl,
  startFakeTlsPostgres,
  type TestCa,
} from '../../../testing/tls-postgres.ts';
import { parseDatabaseParameter } from '../../src/secrets.ts';
import { managedDatabaseTls } from '../../src/store/tls.ts';

/** Connects and disconnects: resolves once the server accepted the TLS handshake and the startup. */
async function connectTo(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ user: 'app', database: 'app', connectionTimeoutMillis: 2000, ...config });
  await client.connect();
  await client.end();
}

describeWith(openssl, 'verified TLS to a managed database, against a fake PostgreSQL', () => {
  let ca: TestCa;
  let server: FakeTlsPostgres;
  let otherHost: FakeTlsPostgres;
  beforeAll(async () => {
    ca = createTestCa();
    server = await startFakeTlsPostgres(ca.issue('localhost'));
    otherHost = await startFakeTlsPostgres(ca.issue('db.elsewhere.example'));
  });
  afterAll(async () => {
    await server?.close();
    await otherHost?.close();
  });

  it('SVC-4: refuses a server whose certificate does not chain to an RDS CA', async () => {
    const before = server.handshakes;
    await expect(
      connectTo({ host: 'localhost', port: server.port, ssl: managedDatabaseTls() }),
    ).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(server.handshakes).toBe(before);
  });

  it('SVC-4: the same options, trusting the test CA instead of the RDS CAs, complete the handshake', async () => {
    const before = server.handshakes;
    await connectTo({ host: 'localhost', port: server.port, ssl: managedDatabaseTls([ca.certificate]) });
    expect(server.handshakes).toBe(before + 1);
  });

  it('SVC-4: refuses a certificate from a trusted CA that names another host', async () => {
    await expect(
      connectTo({ host: 'localhost', port: otherHost.port, ssl: managedDatabaseTls([ca.certificate]) }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it.each([
    [
      'credentials JSON',
      (port: number) => JSON.stringify({ host: 'localhost', port, username: 'app', password: 'pw' }),
    ],
    ['a URL without sslmode', (port: number) => `postgres://app:pw@localhost:${port}/app`],
  ])('SVC-4: %s read through SSM verify the server against the RDS CAs', async (_, value) => {
    const config = parseDatabaseParameter('/estate/db', value(server.port));
    await expect(connectTo(config)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('SVC-4: a URL whose sslmode says no-verify is left to pg, for a self-managed server', async () => {
    const config = parseDatabaseParameter(
      '/estate/db',
      `postgres://app:pw@localhost:${server.port}/app?sslmode=no-verify`,
    );
    await connectTo(config);
  });
});

describe('the CAs shipped with the service', () => {
  const certificates = (managedDatabaseTls().ca as string[]).map((pem) => new X509Certificate(pem));

  it('SVC-4: are the Amazon RDS ones (the global root and the 2024 set among them) and RDS Proxy roots', () => {
    const names = certificates.map((certificate) => certificate.subject);
    // RDS Proxy presents certificates from Amazon Trust Services, whose roots the bundle adds.
    const others = names.filter((name) => !/^OU=Amazon RDS$/m.test(name));
    expect(others.length).toBeLessThan(10);
    for (const name of others) expect(name).toMatch(/^(O=Amazon|CN=Starfield Services Root .*)$/m);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/CN=Amazon RDS Root 2019 CA$/m),
        expect.stringMatching(/CN=Amazon RDS us-east-1 Root CA RSA2048 G1$/m),
        expect.stringMatching(/CN=Amazon RDS eu-central-1 Root CA ECC384 G1$/m),
      ]),
    );
  });

  it('SVC-4: every one parses and is a certificate authority', () => {
    expect(certificates.length).toBeGreaterThan(50);
    expect(certificates.filter((certificate) => !certificate.ca)).toEqual([]);
  });
});
