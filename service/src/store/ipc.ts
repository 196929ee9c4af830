import cluster from 'node:cluster';
import { DatabaseUnavailableError, InvalidInputError, ServiceError } from '../errors.ts';
import type { StoreProvider } from './provider.ts';
import type { Store } from './store.ts';

// PGlite lives inside one process, on a thread of its own (thread.ts). With several web workers, the
// cluster's primary holds it and the workers reach it through the cluster's IPC channel, so every worker
// sees the same records. Both hops carry the same messages.

type Operation = 'put' | 'get' | 'list' | 'ping';

/** A store operation sent to whoever holds the database. */
export interface StoreCall {
  readonly type: 'store-call';
  readonly id: number;
  readonly operation: Operation;
  readonly args: unknown[];
}

/** The answer to one StoreCall. */
export interface StoreAnswer {
  readonly type: 'store-answer';
  readonly id: number;
  readonly result?: unknown;
  /** A domain error travels as its code and message (class names do not survive minification). */
  readonly error?: { readonly code: string; readonly message: string };
}

const operations = new Set<string>(['put', 'get', 'list', 'ping']);

/** Runs `message` on the store of `provider` if it is a store call, and sends the answer to `reply`. */
export function answerStoreCall(
  provider: StoreProvider,
  message: unknown,
  reply: (answer: StoreAnswer) => void,
): void {
  const call = message as StoreCall | undefined;
  if (call?.type !== 'store-call' || !operations.has(call.operation)) return;
  provider
    .get()
    .then((store) => (store[call.operation] as (...args: unknown[]) => Promise<unknown>)(...call.args))
    .then(
      (result) => reply({ type: 'store-answer', id: call.id, result }),
      (error: Error) =>
        reply({
          type: 'store-answer',
          id: call.id,
          error: {
            code: error instanceof ServiceError ? error.code : 'unexpected',
            message: error.message,
          },
        }),
    );
}

/** A store that sends every call with `post`; `receive` settles each call with its answer. */
export function forwardingStore(post: (call: StoreCall) => void): {
  readonly store: Store;
  receive(message: unknown): void;
} {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  const call = <T>(operation: Operation, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      post({ type: 'store-call', id, operation, args });
    });
  return {
    store: {
      put: (id, json) => call('put', id, json),
      get: (id) => call('get', id),
      list: (limit) => call('list', limit),
      ping: () => call('ping'),
      // Whoever holds the database closes it.
      close: async () => {},
    },
    receive(message) {
      const answer = message as StoreAnswer | undefined;
      if (answer?.type !== 'store-answer') return;
      const waiting = pending.get(answer.id);
      pending.delete(answer.id);
      if (!answer.error) waiting?.resolve(answer.result);
      else waiting?.reject(reviveError(answer.error));
    },
  };
}

/** In the primary: answers the workers' store calls from `provider`. */
export function serveStoreToWorkers(provider: StoreProvider): void {
  cluster.on('message', (worker, message: unknown) =>
    answerStoreCall(provider, message, (answer) => {
      if (worker.isConnected()) worker.send(answer);
    }),
  );
}

/** In a worker: a provider whose store forwards every call to the primary. */
export function storeFromPrimary(): StoreProvider {
  const { store, receive } = forwardingStore((call) => process.send?.(call));
  process.on('message', receive);
  // The primary owns the database and closes it once every worker has stopped.
  return { get: async () => store, close: async () => {} };
}

function reviveError(error: { code: string; message: string }): Error {
  if (error.code === new InvalidInputError().code) return new InvalidInputError(error.message);
  if (error.code === new DatabaseUnavailableError().code) return new DatabaseUnavailableError(error.message);
  return new Error(error.message);
}
