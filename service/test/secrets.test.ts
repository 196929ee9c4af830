import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsError } from '../src/errors.ts';
import { parseDatabaseParameter, readDatabaseParameter } from '../src/secrets.ts';
import { createStoreProvider } from '../src/store/provider.ts';
import { managedDatabaseTls } from '../src/store/tls.ts';
import { startRejectingPostgres } from './support/tcp.ts';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

const rdsSecret = JSON.stringify({
  engine: 'postgres',
  host: 'db.cluster-abc.us-east-1.rds.amazonaws.com',
  port: 5432,
  username: 'app',
  password: 'p@ss"word',
  dbname: 'estate',
});

describe('database credentials from SSM', () => {
  it('SVC-4: reads a SecureString holding a connection URL, decrypted with its KMS key', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: 'postgres://app:pw@db:5432/estate', Type: 'SecureString' } });
    const config = await readDatabaseParameter('/estate/db-url', 'us-east-1', new SSMClient({}));
    expect(config).toEqual({
      connectionString: 'postgres://app:pw@db:5432/estate',
      ssl: managedDatabaseTls(),
    });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/estate/db-url',
      WithDecryption: true,
    });
  });

  it('SVC-4: reads a Secrets Manager secret through /aws/reference/secretsmanager/', async () => {
    ssm.on(GetParameterCommand, { Name: '/aws/reference/secretsmanager/estate-db' }).resolves({
      Parameter: { Value: rdsSecret, Type: 'SecureString' },
    });
    const config = await readDatabaseParameter(
      '/aws/reference/secretsmanager/estate-db',
      'us-east-1',
      new SSMClient({}),
    );
    expect(config).toEqual({
      host: 'db.cluster-abc.us-east-1.rds.amazonaws.com',
      port: 5432,
      user: 'app',
      password: 'p@ss"word',
      database: 'estate',
      ssl: managedDatabaseTls(),
    });
  });

  it('SVC-4: a URL that names its sslmode keeps it', () => {
    expect(parseDatabaseParameter('/p', 'postgresql://a@b/c?sslmode=verify-full')).toEqual({
      connectionString: 'postgresql://a@b/c?sslmode=verify-full',
    });
  });

  it('SVC-4: a missing parameter is a clear error naming it', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    await expect(readDatabaseParameter('/estate/missing', 'us-east-1', new SSMClient({}))).rejects.toThrow(
      /DB_SECRET_PARAMETER \/estate\/missing: cannot read the parameter \(ParameterNotFound/,
    );
  });

  it('SVC-4: malformed JSON is a clear error that does not echo the secret', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"host": "db", "password": "hunter2"' } });
    const failure = readDatabaseParameter('/estate/db', 'us-east-1', new SSMClient({}));
    await expect(failure).rejects.toThrow(SettingsError);
    await expect(failure).rejects.toThrow(/neither a postgres:\/\/ URL nor JSON/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('SVC-4: JSON without the credential fields names what is missing', () => {
    expect(() => parseDatabaseParameter('/p', '{"host":"db","password":"x"}')).toThrow(
      /lacks or mistypes username/,
    );
  });

  it('SVC-4: a parameter without a value is a clear error', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: {} });
    await expect(readDatabaseParameter('/estate/db', 'us-east-1', new SSMClient({}))).rejects.toThrow(
      /has no value/,
    );
  });

  it("SVC-4: DB_HOST_PARAMETER overrides the secret's host with the String parameter's value", async () => {
    ssm.on(GetParameterCommand, { Name: '/aws/reference/secretsmanager/estate-db' }).resolves({
      Parameter: { Value: rdsSecret, Type: 'SecureString' },
    });
    ssm.on(GetParameterCommand, { Name: '/hello/eu-central-1/database/endpoint' }).resolves({
      Parameter: { Value: 'db.cluster-xyz.eu-central-1.rds.amazonaws.com', Type: 'String' },
    });
    const config = await readDatabaseParameter(
      '/aws/reference/secretsmanager/estate-db',
      'eu-central-1',
      new SSMClient({}),
      '/hello/eu-central-1/database/endpoint',
    );
    expect(config).toEqual({
      host: 'db.cluster-xyz.eu-central-1.rds.amazonaws.com',
      port: 5432,
      user: 'app',
      password: 'p@ss"word',
      database: 'estate',
      ssl: managedDatabaseTls(),
    });
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: '/aws/reference/secretsmanager/estate-db', WithDecryption: true },
      { Name: '/hello/eu-central-1/database/endpoint', WithDecryption: false },
    ]);
  });

  it('SVC-4: DB_HOST_PARAMETER also overrides the host of a connection URL', async () => {
    ssm.on(GetParameterCommand, { Name: '/estate/db-url' }).resolves({
      Parameter: { Value: 'postgres://app:pw@primary.example.com:5432/estate' },
    });
    ssm
      .on(GetParameterCommand, { Name: '/estate/host' })
      .resolves({ Parameter: { Value: 'local.example.com\n' } });
    const config = await readDatabaseParameter(
      '/estate/db-url',
      'us-east-1',
      new SSMClient({}),
      '/estate/host',
    );
    expect(config.connectionString).toBe('postgres://app:pw@local.example.com:5432/estate');
  });

  it('SVC-4: a missing DB_HOST_PARAMETER parameter is a clear error naming the variable and the parameter', async () => {
    ssm.on(GetParameterCommand, { Name: '/estate/db' }).resolves({ Parameter: { Value: rdsSecret } });
    ssm
      .on(GetParameterCommand, { Name: '/estate/missing-host' })
      .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    await expect(
      readDatabaseParameter('/estate/db', 'us-east-1', new SSMClient({}), '/estate/missing-host'),
    ).rejects.toThrow(
      /DB_HOST_PARAMETER \/estate\/missing-host: cannot read the parameter \(ParameterNotFound/,
    );
  });

  it('SVC-4: a DB_HOST_PARAMETER value that is not a host name is a clear error', async () => {
    ssm.on(GetParameterCommand, { Name: '/estate/db' }).resolves({ Parameter: { Value: rdsSecret } });
    ssm.on(GetParameterCommand, { Name: '/estate/host' }).resolves({ Parameter: { Value: 'db:5432/x' } });
    await expect(
      readDatabaseParameter('/estate/db', 'us-east-1', new SSMClient({}), '/estate/host'),
    ).rejects.toThrow(/DB_HOST_PARAMETER \/estate\/host: the value is not a host name/);
  });

  it('SVC-4: the provider reads the host parameter with the secret, and again after a rejection', async () => {
    ssm.on(GetParameterCommand, { Name: '/estate/db' }).resolves({
      Parameter: { Value: 'postgres://app@primary.example.com:1/estate?sslmode=disable' },
    });
    ssm
      .on(GetParameterCommand, { Name: '/estate/host' })
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves({ Parameter: { Value: '127.0.0.1' } });
    const events: string[] = [];
    const provider = createStoreProvider(
      { kind: 'ssm-parameter', parameterName: '/estate/db', hostParameterName: '/estate/host' },
      'us-east-1',
      (_, d) => events.push(d),
    );
    try {
      await expect(provider.get()).rejects.toThrow('database credentials could not be resolved');
      expect(events[0]).toMatch(/DB_HOST_PARAMETER \/estate\/host: cannot read the parameter/);
      expect(await provider.get()).toBeDefined();
      expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
        '/estate/db',
        '/estate/host',
        '/estate/db',
        '/estate/host',
      ]);
    } finally {
      await provider.close();
    }
  });

  it('SVC-4: the service answers 503 until the parameter is readable, then recovers without restart', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves({ Parameter: { Value: 'postgres://app@127.0.0.1:1/estate' } });
    const events: string[] = [];
    const provider = createStoreProvider(
      { kind: 'ssm-parameter', parameterName: '/estate/db' },
      'us-east-1',
      (_, d) => events.push(d),
    );
    await expect(provider.get()).rejects.toThrow('database credentials could not be resolved');
    expect(events[0]).toMatch(/ParameterNotFound/);
    const store = await provider.get();
    expect(store).toBeDefined();
    await provider.close();
  });

  it('SVC-4: credentials the database rejects are read from SSM again, so a rotated secret needs no restart', async () => {
    const rejecting = await startRejectingPostgres();
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({
        Parameter: { Value: `postgres://app:old@127.0.0.1:${rejecting.port}/estate?sslmode=disable` },
      })
      .resolves({ Parameter: { Value: 'postgres://app:new@127.0.0.1:1/estate?sslmode=disable' } });
    const events: string[] = [];
    const provider = createStoreProvider(
      { kind: 'ssm-parameter', parameterName: '/estate/db' },
      'us-east-1',
      (_, d) => events.push(d),
    );
    try {
      const first = await provider.get();
      await expect(first.ping()).rejects.toThrow(/rejected the credentials/);
      await new Promise((resolve) => setImmediate(resolve));
      const second = await provider.get();
      expect(second).not.toBe(first);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
      expect(events).toContain('the database rejected the credentials; they will be read again');
    } finally {
      await provider.close();
      await rejecting.close();
    }
  });
});
