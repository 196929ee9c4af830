import { DatabaseUnavailableError, SettingsError } from '../errors.ts';
import type { ConnectionConfig } from '../secrets.ts';
import type { DatabaseSettings } from '../settings.ts';
import type { Store } from './store.ts';

/** Reports why the store could not be opened, or a pool-level error, to the operator's log. */
export type StoreEventListener = (event: 'store-error', detail: string) => void;

/** Opens the configured store on first use and hands the same one to every later caller. */
export interface StoreProvider {
  /** The store; rejects with DatabaseUnavailableError while it cannot be opened (retried next call). */
  get(): Promise<Store>;
  /** Closes the store if it was ever opened. */
  close(): Promise<void>;
}

/**
 * Nothing is loaded until the first `get()`: the pg driver, the AWS SDK and PGlite are dynamic imports,
 * so a process that only answers `GET /` never parses them. A failed opening is forgotten, so the next
 * request tries again (credentials fixed, database back) without a restart.
 */
export function createStoreProvider(
  database: DatabaseSettings,
  region: string,
  onEvent: StoreEventListener = () => {},
): StoreProvider {
  let opening: Promise<Store> | undefined;
  const open = async (): Promise<Store> => {
    if (database.kind === 'embedded') {
      const { openEmbeddedStore } = await import('./pglite.ts');
      return openEmbeddedStore(database.dataDir);
    }
    const config: ConnectionConfig =
      database.kind === 'url'
        ? { connectionString: database.url }
        : await (await import('../secrets.ts')).readDatabaseParameter(
            database.parameterName,
            region,
            undefined,
            database.hostParameterName,
          );
    const { PgStore } = await import('./pg.ts');
    const store: Store = new PgStore(
      config,
      {},
      {
        onPoolError: (error) => onEvent('store-error', `idle connection lost: ${error.message}`),
        // A rotated secret: the next request opens a new pool with credentials (and host) read again.
        onCredentialsRejected: () => reopen('the database rejected the credentials; they will be read again'),
        // A switchover made this endpoint a reader: the next request reads the host parameter again.
        onReadOnly: () => reopen('the database endpoint is read-only; the host will be read again'),
      },
    );
    const reopen = (reason: string) => {
      onEvent('store-error', reason);
      opening
        ?.then((current) => {
          if (current !== store) return;
          opening = undefined;
          return store.close();
        })
        .catch(() => {});
    };
    return store;
  };
  return {
    get() {
      opening ??= open().catch((error: unknown) => {
        opening = undefined;
        const detail = error instanceof Error ? error.message : String(error);
        onEvent('store-error', detail);
        if (error instanceof DatabaseUnavailableError) throw error;
        // The full reason (which parameter, what is wrong with it) is for the operator's log only.
        throw new DatabaseUnavailableError(
          error instanceof SettingsError
            ? 'database credentials could not be resolved'
            : 'database unreachable',
        );
      });
      return opening;
    },
    async close() {
      const store = await opening?.catch(() => undefined);
      opening = undefined;
      await store?.close();
    },
  };
}
