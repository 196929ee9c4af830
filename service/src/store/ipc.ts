import cluster from 'node:cluster';
import { DatabaseUnavailableError, InvalidInputError, ServiceError } from '../errors.ts';
import type { StoreProvider } from './provider.ts';
import type { Store } from './store.ts';

// PGlite lives inside one process. With several web workers, the cluster's primary holds it and the
// workers reach it through the cluster's IPC channel, so every worker sees the same records.

type Operation = 'put' | 'get' | 'list' | 'ping';

interface StoreCall {
  readonly type: 'store-call';
  readonly id: number;
  readonly operation: Operation;
  readonly args: unknown[];
}

interface StoreAnswer {
  readonly type: 'store-answer';
  readonly id: number;
  readonly result?: unknown;
  /** A domain error travels as its code and message (class names do not survive minification). */
  readonly error?: { readonly code: string; readonly message: string };
}

const operations = new Set<string>(['put', 'get', 'list', 'ping']);

/** In the primary: answers the workers' store calls from `provider`. */
export function serveStoreToWorkers(provider: StoreProvider): void {
  cluster.on('message', (worker, message: StoreCall) => {
    if (message?.type !== 'store-call' || !operations.has(message.operation)) return;
    const answer = (fields: Omit<StoreAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: 'store-answer', id: message.id, ...fields });
    };
    provider
      .get()
      .then((store) =>
        (store[message.operation] as (...args: unknown[]) => Promise<unknown>)(...message.args),
      )
      .then(
        (result) => answer({ result }),
        (error: Error) =>
          answer({
            error: {
              code: error instanceof ServiceError ? error.code : 'unexpected',
              message: error.message,
            },
          }),
      );
  });
}

/** In a worker: a provider whose store forwards every call to the primary. */
export function storeFromPrimary(): StoreProvider {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  process.on('message', (message: StoreAnswer) => {
    if (message?.type !== 'store-answer') return;
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (!message.error) call?.resolve(message.result);
    else call?.reject(reviveError(message.error));
  });
  const call = <T>(operation: Operation, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      process.send?.({ type: 'store-call', id, operation, args } satisfies StoreCall);
    });
  const store: Store = {
    put: (id, json) => call('put', id, json),
    get: (id) => call('get', id),
    list: (limit) => call('list', limit),
    ping: () => call('ping'),
    // The primary owns the database and closes it once every worker has stopped.
    close: async () => {},
  };
  return { get: async () => store, close: async () => {} };
}

function reviveError(error: { code: string; message: string }): Error {
  if (error.code === new InvalidInputError().code) return new InvalidInputError(error.message);
  if (error.code === new DatabaseUnavailableError().code) return new DatabaseUnavailableError(error.message);
  return new Error(error.message);
}
