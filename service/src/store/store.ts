/** One stored JSON document. */
export interface StoredRecord {
  /** The UUID the service gave the record. */
  readonly id: string;
  /** When it was stored, ISO 8601. */
  readonly createdAt: string;
  /** The JSON object exactly as the client sent it (same bytes, key order and number spelling). */
  readonly json: string;
}

/** Where records live: a real PostgreSQL server or the embedded PGlite. */
export interface Store {
  /** Stores one document under a new id; the document is stored whole or not at all. */
  put(id: string, json: string): Promise<StoredRecord>;
  /** The record with this id, if any. */
  get(id: string): Promise<StoredRecord | undefined>;
  /** The newest records first. */
  list(limit: number): Promise<StoredRecord[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Releases connections (or the embedded database); the store is unusable afterwards. */
  close(): Promise<void>;
}
