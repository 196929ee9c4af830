import { availableParallelism, hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../src/errors.ts';
import { loadSettings } from '../src/settings.ts';

describe('settings', () => {
  it('SVC-2: with nothing set, web mode listens on 8080 with one worker per core', () => {
    const settings = loadSettings({});
    expect(settings.port).toBe(8080);
    expect(settings.workers).toBe(availableParallelism());
    expect(settings.failureRate).toBe(0);
    expect(settings.faultMode).toBeUndefined();
    expect(settings.servedBy).toEqual({
      version: 'dev',
      region: 'local',
      engine: 'local',
      colour: 'none',
      instance: hostname(),
    });
  });

  it('SVC-2: reads every variable, and Lambda mode reports its engine unless ENGINE says otherwise', () => {
    const env = {
      PORT: '9000',
      WORKERS: '3',
      FAILURE_RATE: '0.25',
      FAILURE_SEED: '7',
      FAULT_MODE: 'root-500',
      SHUTDOWN_TIMEOUT_MS: '5000',
      APP_VERSION: '2.0.1',
      AWS_REGION: 'ap-southeast-2',
      COLOUR: 'blue',
      INSTANCE: 'task-1',
    };
    expect(loadSettings(env, { engine: 'lambda' })).toMatchObject({
      port: 9000,
      workers: 3,
      failureRate: 0.25,
      failureSeed: 7,
      faultMode: 'root-500',
      shutdownTimeoutMs: 5000,
      servedBy: {
        version: '2.0.1',
        region: 'ap-southeast-2',
        engine: 'lambda',
        colour: 'blue',
        instance: 'task-1',
      },
    });
    expect(loadSettings({ ENGINE: 'ecs' }, { engine: 'lambda' }).servedBy.engine).toBe('ecs');
  });

  it('SVC-9: nothing configured chooses the embedded database, in memory unless PGLITE_PATH is set', () => {
    expect(loadSettings({}).database).toEqual({ kind: 'embedded', dataDir: undefined });
    expect(loadSettings({ PGLITE_PATH: '.pglite' }).database).toEqual({
      kind: 'embedded',
      dataDir: '.pglite',
    });
  });

  it('SVC-9: DATABASE_URL chooses pg, before DB_SECRET_PARAMETER', () => {
    const url = 'postgres://app:pw@db.example.com:5432/app';
    expect(loadSettings({ DATABASE_URL: url, DB_SECRET_PARAMETER: '/app/db' }).database).toEqual({
      kind: 'url',
      url,
    });
  });

  it('SVC-4: DB_SECRET_PARAMETER chooses pg with credentials from SSM', () => {
    expect(loadSettings({ DB_SECRET_PARAMETER: '/aws/reference/secretsmanager/app-db' }).database).toEqual({
      kind: 'ssm-parameter',
      parameterName: '/aws/reference/secretsmanager/app-db',
    });
  });

  it("SVC-4: DB_HOST_PARAMETER names the parameter holding the host that overrides the secret's", () => {
    expect(
      loadSettings({
        DB_SECRET_PARAMETER: '/aws/reference/secretsmanager/app-db',
        DB_HOST_PARAMETER: '/hello/eu-central-1/database/endpoint',
      }).database,
    ).toEqual({
      kind: 'ssm-parameter',
      parameterName: '/aws/reference/secretsmanager/app-db',
      hostParameterName: '/hello/eu-central-1/database/endpoint',
    });
  });

  it('SVC-4: DB_HOST_PARAMETER with DATABASE_URL is an error naming both variables', () => {
    const env = { DATABASE_URL: 'postgres://app@db/app', DB_HOST_PARAMETER: '/hello/db/endpoint' };
    expect(() => loadSettings(env)).toThrow(SettingsError);
    expect(() => loadSettings(env)).toThrow(/DB_HOST_PARAMETER.*DATABASE_URL/);
  });

  it('SVC-4: DB_HOST_PARAMETER without DB_SECRET_PARAMETER is an error naming both variables', () => {
    expect(() => loadSettings({ DB_HOST_PARAMETER: '/hello/db/endpoint' })).toThrow(
      /DB_HOST_PARAMETER needs DB_SECRET_PARAMETER/,
    );
  });

  it('SVC-2: an empty variable means the default', () => {
    expect(loadSettings({ PORT: '', FAULT_MODE: '', DATABASE_URL: '' })).toMatchObject({
      port: 8080,
      faultMode: undefined,
      database: { kind: 'embedded' },
    });
  });

  it.each([
    ['PORT', 'abc', 'expected an integer between 1 and 65535'],
    ['PORT', '70000', 'expected an integer between 1 and 65535'],
    ['WORKERS', '0', 'expected an integer between 1 and 256'],
    ['FAILURE_RATE', '1.5', 'expected a number between 0 and 1'],
    ['FAILURE_RATE', '-0.1', 'expected a number between 0 and 1'],
    ['FAULT_MODE', 'on', 'expected root-500 or nothing'],
    ['DATABASE_URL', 'mysql://x', 'expected a postgres:// or postgresql:// URL'],
    ['COLOUR', 'bl"ue', 'expected 1-128 letters'],
    ['DB_HOST_PARAMETER', 'not a name', 'expected an SSM parameter name'],
  ])('SVC-2: %s=%s is refused with a message naming the variable', (name, value, expected) => {
    expect(() => loadSettings({ [name]: value })).toThrow(SettingsError);
    expect(() => loadSettings({ [name]: value })).toThrow(`${name}=${JSON.stringify(value)}: ${expected}`);
  });

  it.each([
    ['a space in it', 'postgres://hello_app:s3cr3t-pw@db.example.com:5432/hello extra'],
    ['another scheme', 'mysql://hello_app:s3cr3t-pw@db.example.com:5432/hello'],
    ['a password with @ and /', 'postgresql://hello_app:s3cr3t-pw/@x@db.example.com/hello x'],
    ['a password parameter', 'postgres://db.example.com/hello?user=hello_app&password=s3cr3t-pw x'],
  ])('SVC-4: an invalid DATABASE_URL (%s) is reported with its host, never its password', (_, url) => {
    let message = '';
    try {
      loadSettings({ DATABASE_URL: url });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL=');
    expect(message).toContain('db.example.com');
    expect(message).toContain('hello_app');
    expect(message).not.toContain('s3cr3t');
  });

  it('SVC-2: every problem is reported at once', () => {
    expect(() => loadSettings({ PORT: 'x', WORKERS: 'y' })).toThrow(/PORT=.*; WORKERS=/);
  });
});
