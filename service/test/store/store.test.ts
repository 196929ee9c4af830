import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWith } from '../../../testing/requires.ts';
import { PgStore } from '../../src/store/pg.ts';
import { openEmbeddedStore } from '../../src/store/pglite.ts';
import type { Store } from '../../src/store/store.ts';
import {
  createScratchSchema,
  realPostgres,
  type ScratchSchema,
  testDatabaseUrl,
} from '../support/postgres.ts';
import { storeContract } from './contract.ts';

describe('embedded store (PGlite)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openEmbeddedStore();
  });
  afterAll(() => store?.close());
  storeContract(() => store);
});

describe('embedded store in a data directory (PGLITE_PATH)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hello-devops-pglite-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('SVC-9: keeps records across a restart', async () => {
    const id = randomUUID();
    const first = await openEmbeddedStore(dataDir);
    await first.put(id, '{"kept":true}');
    await first.close();
    const reopened = await openEmbeddedStore(dataDir);
    try {
      expect((await reopened.get(id))?.json).toBe('{"kept":true}');
    } finally {
      await reopened.close();
    }
  });
});

describeWith(realPostgres, 'pg store on a real PostgreSQL server', () => {
  let scratch: ScratchSchema;
  let store: Store;
  beforeAll(async () => {
    scratch = await createScratchSchema(testDatabaseUrl as string, 'store');
    // 500 parallel writes queue for the pool's 10 connections; on a busy 2-core machine the queue can
    // outlast the 1-second outage bound, which outage.test.ts proves separately.
    store = new PgStore({ connectionString: scratch.url }, { connectMs: 10_000, queryMs: 10_000 });
  });
  afterAll(async () => {
    await store?.close();
    await scratch?.drop();
  });
  storeContract(() => store);
});
