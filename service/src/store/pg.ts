import pg from 'pg';
import { CredentialsRejectedError, ReadOnlyEndpointError } from '../errors.ts';
import { classify } from './classify.ts';
import {
  INSERT_RECORD,
  MIGRATION,
  PING,
  type RecordRow,
  SCHEMA_PRESENT,
  SELECT_NEWEST,
  SELECT_RECORD,
  toStoredRecord,
} from './sql.ts';
import type { Store, StoredRecord } from './store.ts';

/** Bounds that keep a database outage under the service's 2-second answer. */
export interface PgTimeouts {
  /** Waiting for a connection (new or from the pool). @default 1000 */
  readonly connectMs?: number;
  /** One query, enforced by the client and by the server. @default 1000 */
  readonly queryMs?: number;
}

/** What the store reports to its owner. */
export interface PgStoreListeners {
  /** A pool-level error (an idle connection dropped by the server), which would otherwise crash. */
  readonly onPoolError?: (error: Error) => void;
  /** The server refused the credentials; the owner may read them again (a rotated secret). */
  readonly onCredentialsRejected?: () => void;
  /** The server refused a write as read-only; the owner may read the host again (roles swapped). */
  readonly onReadOnly?: () => void;
}

/**
 * The store on a real PostgreSQL server. It never fails to construct: the schema is checked (and
 * migrated when missing) on first use and again after every failed attempt, so a service started while
 * the database is down recovers without a restart.
 */
export class PgStore implements Store {
  readonly #pool: pg.Pool;
  readonly #listeners: PgStoreListeners;
  #migrated: Promise<void> | undefined;

  constructor(config: pg.PoolConfig, timeouts: PgTimeouts = {}, listeners: PgStoreListeners = {}) {
    this.#listeners = listeners;
    const queryMs = timeouts.queryMs ?? 1000;
    this.#pool = new pg.Pool({
      max: 10,
      idleTimeoutMillis: 30_000,
      ...config,
      connectionTimeoutMillis: timeouts.connectMs ?? 1000,
      query_timeout: queryMs,
      statement_timeout: queryMs,
    });
    this.#pool.on('error', (error) => listeners.onPoolError?.(error));
  }

  async put(id: string, json: string): Promise<StoredRecord> {
    const result = await this.#query<{ created_at: Date }>(INSERT_RECORD, [id, json]);
    const createdAt = result.rows[0]?.created_at ?? new Date();
    return { id, createdAt: createdAt.toISOString(), json };
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    const result = await this.#query<RecordRow>(SELECT_RECORD, [id]);
    const row = result.rows[0];
    return row && toStoredRecord(row);
  }

  async list(limit: number): Promise<StoredRecord[]> {
    const result = await this.#query<RecordRow>(SELECT_NEWEST, [limit]);
    return result.rows.map(toStoredRecord);
  }

  async ping(): Promise<void> {
    await this.#query(PING, []);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      await this.#migrate();
      return await this.#pool.query<Row>(sql, values);
    } catch (error) {
      const classified = classify(error);
      if (classified instanceof CredentialsRejectedError) this.#listeners.onCredentialsRejected?.();
      if (classified instanceof ReadOnlyEndpointError) this.#listeners.onReadOnly?.();
      throw classified;
    }
  }

  #migrate(): Promise<void> {
    this.#migrated ??= this.#pool.query<{ present: boolean }>(SCHEMA_PRESENT).then(
      async (schema) => {
        if (schema.rows[0]?.present !== true) await this.#pool.query(MIGRATION);
      },
      (error: unknown) => {
        this.#migrated = undefined;
        throw error;
      },
    );
    return this.#migrated;
  }
}
