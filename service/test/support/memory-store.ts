import { randomUUID } from 'node:crypto';
import type { Store, StoredRecord } from '../../src/store/store.ts';

/** A Store kept in memory, for route tests that are about HTTP rather than SQL. */
export class MemoryStore implements Store {
  readonly records: StoredRecord[] = [];

  async put(id: string, json: string): Promise<StoredRecord> {
    const record = { id, createdAt: new Date().toISOString(), json };
    this.records.push(record);
    return record;
  }

  async get(id: string): Promise<StoredRecord | undefined> {
    return this.records.find((record) => record.id === id);
  }

  async list(limit: number): Promise<StoredRecord[]> {
    return this.records.slice(-limit).reverse();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A random id that no store holds. */
export const unknownId = (): string => randomUUID();
