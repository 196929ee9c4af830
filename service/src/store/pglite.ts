import type { PGlite } from '@electric-sql/pglite';
import { DatabaseUnavailableError } from '../errors.ts';
import { classify } from './classify.ts';
import {
  INSERT_RECORD,
  MIGRATION,
  PING,
  type RecordRow,
  SELECT_NEWEST,
  SELECT_RECORD,
  toStoredRecord,
} from './sql.ts';
import type { Store, StoredRecord } from './store.ts';

/**
 * Opens the embedded database: in memory, or in `dataDir` to keep records across restarts. PGlite is
 * imported by name at run time and is never bundled (its WASM files cannot be), so a cloud bundle
 * without it answers with a clear 503 instead of failing to load.
 */
export async function openEmbeddedStore(dataDir?: string): Promise<Store> {
  let module: typeof import('@electric-sql/pglite');
  try {
    module = await import('@electric-sql/pglite');
  } catch {
    throw new DatabaseUnavailableError(
      'no database configured in this region: the embedded database is not part of this build ' +
        '(set DATABASE_URL or DB_SECRET_PARAMETER)',
    );
  }
  const db = await module.PGlite.create(dataDir);
  try {
    await db.exec(MIGRATION);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PgliteStore(db);
}

class PgliteStore implements Store {
  readonly #db: PGlite;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async put(id: string, json: string): Promise<StoredRecord> {
    const result = await this.#query<{ created_at: Date }>(INSERT_RECORD, [id, json]);
    const createdAt = result[0]?.created_at ?? new Date();
    return { id, createdAt: createdAt.toISOString(), json };
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const row = (await this.#query<RecordRow>(SELECT_RECORD, [id]))[0];
    return row && toStoredRecord(row);
  }

  async list(limit: number): Promise<StoredRecord[]> {
    return (await this.#query<RecordRow>(SELECT_NEWEST, [limit])).map(toStoredRecord);
  }

  async ping(): Promise<void> {
    await this.#query(PING, []);
  }

  async close(): Promise<void> {
    if (!this.#db.closed) await this.#db.close();
  }

  async #query<Row>(sql: string, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.#db.query<Row>(sql, values)).rows;
    } catch (error) {
      throw classify(error);
    }
  }
}
