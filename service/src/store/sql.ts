import type { StoredRecord } from './store.ts';

// The one schema and the few statements both backends run: PGlite is PostgreSQL compiled to WASM, so
// the same text works on both.
//
// `json`, not `jsonb`: jsonb reorders keys, drops duplicates, rejects \u0000 and respells numbers,
// while json keeps the client's text byte for byte. `seq` gives a stable newest-first order even for
// records stored in the same microsecond.

/** The one table; the cloud's application user is granted exactly SELECT and INSERT on it. */
export const RECORDS_TABLE = 'records';

/**
 * Idempotent, and safe when several processes start at once: a simple query with several statements
 * runs as one transaction, and the advisory lock serialises concurrent migrations. The table is
 * created only when it is missing, not with `CREATE TABLE IF NOT EXISTS`: PostgreSQL checks the CREATE
 * privilege on the schema even when the table exists, and the cloud's application user has only
 * SELECT and INSERT on it.
 */
export const MIGRATION = `
SELECT pg_advisory_xact_lock(4815162342);
DO $$
BEGIN
  IF to_regclass('${RECORDS_TABLE}') IS NULL THEN
    CREATE TABLE ${RECORDS_TABLE} (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      body json NOT NULL
    );
  END IF;
END
$$;
`;

/**
 * Whether the schema is there, with a plain read. Run first so a store whose table exists issues only
 * SELECT and INSERT: behind an Aurora reader with write forwarding (a secondary region) the MIGRATION's
 * DO block, DDL and lock are not supported, and the table is created in the primary by then.
 */
export const SCHEMA_PRESENT = `SELECT to_regclass('${RECORDS_TABLE}') IS NOT NULL AS present`;

// `$2::text::json` makes drivers send the document as text (PGlite would otherwise JSON.stringify it
// again) and lets PostgreSQL validate it; reading `body::text` returns it without a parse.
export const INSERT_RECORD = `INSERT INTO ${RECORDS_TABLE} (id, body) VALUES ($1::uuid, $2::text::json) RETURNING created_at`;
export const SELECT_RECORD = `SELECT id::text, created_at, body::text AS body FROM ${RECORDS_TABLE} WHERE id = $1::uuid`;
export const SELECT_NEWEST = `SELECT id::text, created_at, body::text AS body FROM ${RECORDS_TABLE} ORDER BY seq DESC LIMIT $1::int`;
export const PING = 'SELECT 1';

/** A row of SELECT_RECORD / SELECT_NEWEST. */
export interface RecordRow {
  readonly id: string;
  readonly created_at: Date;
  readonly body: string;
}

export function toStoredRecord(row: RecordRow): StoredRecord {
  return { id: row.id, createdAt: row.created_at.toISOString(), json: row.body };
}
