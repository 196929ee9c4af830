import { randomUUID } from 'node:crypto';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { describeWith } from '../../../testing/requires.ts';
import { ReadOnlyEndpointError } from '../../src/errors.ts';
import { PgStore } from '../../src/store/pg.ts';
import { createStoreProvider } from '../../src/store/provider.ts';
import {
  createScratchSchema,
  realPostgres,
  type ScratchSchema,
  testDatabaseUrl,
} from '../support/postgres.ts';

/**
 * What Aurora PostgreSQL write forwarding refuses (Aurora User Guide, write forwarding limitations):
 * DDL, DO blocks and user functions, locks (advisory ones included: they hold on the reader only),
 * sequence updates, cursors, COPY, SAVEPOINT, LISTEN/NOTIFY, TRUNCATE, maintenance commands.
 */
const UNSUPPORTED =
  /\b(CREATE|ALTER|DROP|DO|LOCK|pg_advisory\w*|nextval|setval|DECLARE|CURSOR|COPY|SAVEPOINT|LISTEN|NOTIFY|TRUNCATE|VACUUM|ANALYZE|CLUSTER|GRANT|REVOKE|PREPARE\s+TRANSACTION)\b|SELECT\s[^;]*\sINTO\s/i;

/** The URL an SSM parameter holds for the test server (no TLS), its sessions read-only if asked. */
function parameterUrl(url: string, readOnly: boolean): string {
  const parameter = new URL(url);
  parameter.searchParams.set('sslmode', 'disable');
  const options = parameter.searchParams.get('options') ?? '';
  if (readOnly)
    parameter.searchParams.set('options', `${options} -c default_transaction_read_only=on`.trim());
  return parameter.toString();
}

describeWith(realPostgres, 'a store in a secondary region (a reader with write forwarding)', () => {
  let scratch: ScratchSchema;
  const ssm = mockClient(SSMClient);
  beforeAll(async () => {
    scratch = await createScratchSchema(testDatabaseUrl as string, 'forwarding');
    // The primary's migration has created the table by the time a secondary region serves.
    const primary = new PgStore({ connectionString: scratch.url });
    await primary.put(randomUUID(), '{"from":"primary"}');
    await primary.close();
  });
  afterEach(() => {
    ssm.reset();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    ssm.restore();
    await scratch?.drop();
  });

  it('DATA-3: once the table exists the store issues only SELECT and INSERT of kinds write forwarding supports', async () => {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const [text] = args;
      sent.push(typeof text === 'string' ? text : String((text as { text?: string }).text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    const store = new PgStore({ connectionString: scratch.url });
    try {
      const id = randomUUID();
      await store.put(id, '{"from":"secondary"}');
      expect((await store.get(id))?.json).toBe('{"from":"secondary"}');
      expect((await store.list(5)).length).toBeGreaterThanOrEqual(2);
      await store.ping();
    } finally {
      await store.close();
    }
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const statement of sent) {
      expect(statement.trim(), statement).toMatch(/^(SELECT|INSERT)\s/i);
      expect(statement, statement).not.toMatch(UNSUPPORTED);
    }
  });

  it('DATA-3: a write refused as read-only (the endpoint became a reader) reads the host parameters again', async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: parameterUrl(scratch.url, true) } })
      .resolves({ Parameter: { Value: parameterUrl(scratch.url, false) } });
    const events: string[] = [];
    const provider = createStoreProvider(
      { kind: 'ssm-parameter', parameterName: '/hello/db' },
      'eu-central-1',
      (_, detail) => events.push(detail),
    );
    try {
      const first = await provider.get();
      await expect(first.put(randomUUID(), '{}')).rejects.toBeInstanceOf(ReadOnlyEndpointError);
      await new Promise((resolve) => setImmediate(resolve));
      const second = await provider.get();
      expect(second).not.toBe(first);
      await expect(second.put(randomUUID(), '{"after":"switchover"}')).resolves.toMatchObject({
        json: '{"after":"switchover"}',
      });
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
      expect(events).toContain('the database endpoint is read-only; the host will be read again');
    } finally {
      await provider.close();
    }
  });
});
