import { afterAll, beforeAll, describe } from 'vitest';
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
