import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Requirement } from '../../../testing/requires.ts';

/** The real PostgreSQL server CI provides (a postgres:// URL), if any. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

/** Use with describeWith: skipped on a laptop without a server, a failure in CI. */
export const realPostgres: Requirement = {
  tool: 'PostgreSQL (TEST_DATABASE_URL)',
  available: testDatabaseUrl !== undefined,
  howTo: 'start a PostgreSQL 15 server and set TEST_DATABASE_URL=postgres://user@127.0.0.1:5432/db',
};

/** A schema of its own on the real server, so test files running in parallel never share a table. */
export interface ScratchSchema {
  /** The connection URL with `search_path` set to the scratch schema. */
  readonly url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

export async function createScratchSchema(baseUrl: string, label: string): Promise<ScratchSchema> {
  const schema = `test_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
