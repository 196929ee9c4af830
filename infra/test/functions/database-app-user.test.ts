import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../../service/src/store/pg.ts';
import { INSERT_RECORD, SELECT_RECORD } from '../../../service/src/store/sql.ts';
import { describeWith, type Requirement } from '../../../testing/requires.ts';
import {
  createTestCa,
  FAKE_QUERY_ERROR,
  type FakeTlsPostgres,
  openssl,
  startFakeTlsPostgres,
  type TestCa,
} from '../../../testing/tls-postgres.ts';
import {
  type AppUserEvent,
  createAppUserHandler,
  readDatabaseTls,
} from '../../functions/database-app-user/handler.ts';

const databaseUrl = process.env.TEST_DATABASE_URL || undefined;

const realPostgres: Requirement = {
  tool: 'PostgreSQL server (TEST_DATABASE_URL)',
  available: databaseUrl !== undefined,
  howTo: 'start a PostgreSQL 15 server and set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
};

const masterSecretArn = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:hello-db-master-AbCdEf';
const appSecretArn = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:hello-db-app-GhIjKl';
const secretsManager = new SecretsManagerClient({ region: 'us-east-1' });
const secrets = mockClient(secretsManager);
const onEvent = createAppUserHandler({ secretsManager, tls: 'disable' });

function serveSecrets(master: unknown, app: unknown): void {
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: masterSecretArn })
    .resolves({ SecretString: JSON.stringify(master) });
  secrets
    .on(GetSecretValueCommand, { SecretId: appSecretArn })
    .resolves({ SecretString: JSON.stringify(app) });
}

/** The event the CDK Provider framework passes to onEvent. */
function lifecycleEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Readonly<Record<string, string>> = {},
  physicalResourceId = '',
): AppUserEvent {
  const resourceProperties = {
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider-framework-onEvent',
    MasterSecretArn: masterSecretArn,
    AppSecretArn: appSecretArn,
    ...properties,
  };
  const common = {
    ServiceToken: resourceProperties.ServiceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/hello-data/guid',
    RequestId: `request-${requestType}`,
    LogicalResourceId: 'AppUser',
    ResourceType: 'Custom::DatabaseAppUser',
    ResourceProperties: resourceProperties,
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: physicalResourceId,
      OldResourceProperties: resourceProperties,
    };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
}

describe('database-app-user function without a database', () => {
  it('DATA-2: a malformed secret is a clear error and nothing is executed', async () => {
    // A master secret pointing at a closed port: an attempt to connect would fail differently.
    serveSecrets(
      { host: '127.0.0.1', port: 1, username: 'postgres', password: 'master-password', dbname: 'hello' },
      { username: 'Hello App', password: 'short' },
    );

    const failure = onEvent(lifecycleEvent('Create'));

    await expect(failure).rejects.toThrow(
      /application user secret .*hello-db-app[\s\S]*username[\s\S]*password/,
    );
    await expect(failure).rejects.not.toThrow(/short|ECONNREFUSED/);
  });

  it('DATA-2: TLS verifies the server unless explicitly disabled', () => {
    expect(readDatabaseTls(undefined)).toBe('verify-full');
    expect(readDatabaseTls('disable')).toBe('disable');
    expect(() => readDatabaseTls('require')).toThrow(/DATABASE_TLS must be verify-full or disable/);
  });
});

describeWith(openssl, 'database-app-user function against a fake PostgreSQL with TLS', () => {
  let ca: TestCa;
  let server: FakeTlsPostgres;
  beforeAll(async () => {
    ca = createTestCa();
    server = await startFakeTlsPostgres(ca.issue('localhost'));
    serveSecrets(
      {
        host: 'localhost',
        port: server.port,
        username: 'postgres',
        password: 'master-password',
        dbname: 'hello',
      },
      { username: 'hello_app', password: 'a'.repeat(32) },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('DATA-2: verify-full refuses a database whose certificate does not chain to an RDS CA', async () => {
    const verifying = createAppUserHandler({ secretsManager, tls: 'verify-full' });
    await expect(verifying(lifecycleEvent('Create'))).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('DATA-2: verify-full trusting the test CA instead of the RDS CAs gets through TLS to the SQL', async () => {
    const verifying = createAppUserHandler({
      secretsManager,
      tls: 'verify-full',
      certificateAuthorities: [ca.certificate],
    });
    const before = server.handshakes;
    await expect(verifying(lifecycleEvent('Create'))).rejects.toThrow(FAKE_QUERY_ERROR);
    expect(server.handshakes).toBe(before + 1);
  });
});

describeWith(realPostgres, 'database-app-user function on a real PostgreSQL', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `hello_appuser_${suffix}`;
  const role = `hello_app_${suffix}`;
  const server = new URL(databaseUrl ?? 'postgres://localhost');
  const master = {
    host: server.hostname,
    port: Number(server.port || 5432),
    username: decodeURIComponent(server.username) || 'postgres',
    // A server with trust authentication ignores it; one with password authentication needs it.
    password: decodeURIComponent(server.password) || 'unused-with-trust-authentication',
    dbname: database,
  };
  const firstPassword = `first-${randomBytes(12).toString('hex')}`;
  const secondPassword = `second-${randomBytes(12).toString('hex')}`;
  const physicalId = `${database}/${role}`;
  let admin: pg.Client;

  async function connectAs(user: string, password: string): Promise<pg.Client> {
    const client = new pg.Client({ host: master.host, port: master.port, user, password, database });
    await client.connect();
    return client;
  }

  async function withAppUser(password: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
    const client = await connectAs(role, password);
    try {
      await work(client);
    } finally {
      await client.end();
    }
  }

  /** Every privilege the role holds here, as the catalog records it. */
  async function grantsOf(name: string) {
    const { rows } = await admin.query(
      `SELECT r.rolcanlogin AS login, r.rolsuper OR r.rolcreatedb OR r.rolcreaterole AS elevated,
              has_database_privilege(r.oid, current_database(), 'CONNECT') AS connect,
              has_database_privilege(r.oid, current_database(), 'CREATE') AS create_schema,
              has_database_privilege(r.oid, current_database(), 'TEMPORARY') AS temporary,
              has_schema_privilege(r.oid, 'public', 'USAGE') AS schema_usage,
              has_schema_privilege(r.oid, 'public', 'CREATE') AS schema_create,
              ARRAY(SELECT c.relname || ':' || acl.privilege_type
                      FROM pg_class c, aclexplode(c.relacl) acl
                     WHERE acl.grantee = r.oid ORDER BY 1) AS relation_privileges
         FROM pg_roles r WHERE r.rolname = $1`,
      [name],
    );
    return rows[0];
  }

  /** Whether the role's stored SCRAM verifier was derived from this password. */
  async function verifierMatches(password: string): Promise<boolean> {
    const { rows } = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    const [, iterations, salt, storedKey] =
      /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(String(rows[0]?.rolpassword)) ?? [];
    const salted = pbkdf2Sync(
      password,
      Buffer.from(String(salt), 'base64'),
      Number(iterations),
      32,
      'sha256',
    );
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    return createHash('sha256').update(clientKey).digest('base64') === storedKey;
  }

  beforeAll(async () => {
    const setup = new pg.Client({ connectionString: databaseUrl });
    await setup.connect();
    await setup.query(`CREATE DATABASE ${database}`);
    await setup.end();
    admin = await connectAs(master.username, master.password);
    await admin.query('CREATE TABLE master_only (note text)');
    serveSecrets(master, { username: role, password: firstPassword });
  });

  afterAll(async () => {
    await admin?.end();
    const teardown = new pg.Client({ connectionString: databaseUrl });
    await teardown.connect();
    await teardown.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await teardown.query(`DROP ROLE IF EXISTS ${role}`);
    await teardown.end();
  });

  it('DATA-2: after Create the app user can insert and select the store table, and nothing else', async () => {
    const response = await onEvent(lifecycleEvent('Create'));

    expect(response).toEqual({
      PhysicalResourceId: physicalId,
      Data: { DatabaseName: database, RoleName: role },
    });
    expect(await grantsOf(role)).toEqual({
      login: true,
      elevated: false,
      connect: true,
      create_schema: false,
      temporary: false,
      schema_usage: true,
      schema_create: false,
      relation_privileges: ['records:INSERT', 'records:SELECT'],
    });
    await withAppUser(firstPassword, async (app) => {
      const id = '6f1c1f8e-8a4e-4d0b-9a52-3c1d2f0e9b11';
      await app.query(INSERT_RECORD, [id, '{"hello":"world"}']);
      expect((await app.query(SELECT_RECORD, [id])).rows[0]?.body).toBe('{"hello":"world"}');
      const refused = { code: '42501' };
      await expect(app.query('DELETE FROM records')).rejects.toMatchObject(refused);
      await expect(app.query(`UPDATE records SET body = '{}'`)).rejects.toMatchObject(refused);
      await expect(app.query('DROP TABLE records')).rejects.toMatchObject(refused);
      await expect(app.query('CREATE TABLE intruder (x int)')).rejects.toMatchObject(refused);
      await expect(app.query('CREATE TEMP TABLE scratch (x int)')).rejects.toMatchObject(refused);
      await expect(app.query('SELECT * FROM master_only')).rejects.toMatchObject(refused);
    });
  });

  it('DATA-2: the service itself runs as the app user: its migration needs no CREATE on the schema', async () => {
    const store = new PgStore({
      host: master.host,
      port: master.port,
      user: role,
      password: firstPassword,
      database,
    });
    try {
      const id = 'b0e5d7c2-1f3a-4c6e-8d9b-0a1b2c3d4e5f';
      await store.put(id, '{"served":"as the app user"}');
      expect((await store.get(id))?.json).toBe('{"served":"as the app user"}');
      expect((await store.list(5)).map((record) => record.id)).toContain(id);
    } finally {
      await store.close();
    }
  });

  it('DATA-2: Create twice is not an error and leaves the same grants', async () => {
    await onEvent(lifecycleEvent('Create'));
    const before = await grantsOf(role);

    const again = await onEvent(lifecycleEvent('Create'));

    expect(again.PhysicalResourceId).toBe(physicalId);
    expect(await grantsOf(role)).toEqual(before);
  });

  it('DATA-2: Update rotates the password and re-applies the grants', async () => {
    await onEvent(lifecycleEvent('Create'));
    await admin.query(`GRANT DELETE ON records TO ${role}`);
    serveSecrets(master, { username: role, password: secondPassword });

    const response = await onEvent(lifecycleEvent('Update', {}, physicalId));

    expect(response.PhysicalResourceId).toBe(physicalId);
    expect(await verifierMatches(secondPassword)).toBe(true);
    expect(await verifierMatches(firstPassword)).toBe(false);
    expect((await grantsOf(role))?.relation_privileges).toEqual(['records:INSERT', 'records:SELECT']);
  });

  it('DATA-2: the server refuses the old password and accepts the new one', async ({ skip }) => {
    serveSecrets(master, { username: role, password: secondPassword });
    await onEvent(lifecycleEvent('Update', {}, physicalId));
    const wrongPasswordAccepted = await connectAs(role, 'not-the-password').then(
      async (client) => {
        await client.end();
        return true;
      },
      () => false,
    );
    // CI's server may use trust authentication, which accepts any password: the verifier test above
    // then carries the proof alone.
    skip(wrongPasswordAccepted, 'the server does not require passwords for app roles (trust authentication)');

    await expect(connectAs(role, firstPassword)).rejects.toMatchObject({ code: '28P01' });
    await withAppUser(secondPassword, async (app) => {
      expect((await app.query('SELECT count(*) FROM records')).rowCount).toBe(1);
    });
  });

  it('DATA-2: Delete revokes and drops the role, unless RetainOnDelete keeps it', async () => {
    await onEvent(lifecycleEvent('Create'));

    await onEvent(lifecycleEvent('Delete', { RetainOnDelete: 'true' }, physicalId));
    expect(await grantsOf(role)).toBeDefined();

    await onEvent(lifecycleEvent('Delete', {}, physicalId));
    expect(await grantsOf(role)).toBeUndefined();
    await expect(onEvent(lifecycleEvent('Delete', {}, physicalId))).resolves.toEqual({
      PhysicalResourceId: physicalId,
    });
  });
});
