import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { answerStoreCall, forwardingStore } from './ipc.ts';
import { createStoreProvider, type StoreEventListener, type StoreProvider } from './provider.ts';

const ROLE = 'embedded-store';

/** What the database's thread is started with. */
interface ThreadData {
  readonly role: typeof ROLE;
  readonly dataDir: string | undefined;
}

/** A store event (an opening that failed) reported by the thread. */
interface ThreadEvent {
  readonly type: 'store-event';
  readonly event: Parameters<StoreEventListener>[0];
  readonly detail: string;
}

/**
 * The embedded database on a worker thread of this process, loaded from `entry`: the module that calls
 * `runStoreThread` first (server.ts, or the bundle built from it). Opening PGlite runs seconds of WASM
 * synchronously on the thread that opens it. On the cluster primary that thread also accepts every
 * connection and hands it to a worker, so while the database opened no new connection was answered
 * (measured on 2 cores: the first `GET /` 4 s after `/health` had answered); in a single process it is
 * the thread that answers requests. On its own thread it only takes a share of
 * the CPU. The thread opens the database at once; calls made meanwhile wait for it (each request within
 * its deadline), so `/health/deep` answers 503 until it is open.
 */
export function embeddedStoreOnThread(
  entry: string | URL,
  dataDir: string | undefined,
  onEvent: StoreEventListener,
): StoreProvider {
  const thread = new Worker(new URL(entry), { workerData: { role: ROLE, dataDir } satisfies ThreadData });
  // The process ends when its server does; a database thread left running must not hold it.
  thread.unref();
  const { store, receive } = forwardingStore((call) => thread.postMessage(call));
  let closed: (() => void) | undefined;
  thread.on('message', (message: ThreadEvent | { type: 'closed' }) => {
    if (message?.type === 'store-event') onEvent(message.event, message.detail);
    else if (message?.type === 'closed') closed?.();
    else receive(message);
  });
  thread.on('error', (error) => onEvent('store-error', `the database thread failed: ${error.message}`));
  return {
    get: async () => store,
    async close() {
      await new Promise<void>((done) => {
        closed = done;
        thread.once('exit', () => done());
        thread.postMessage({ type: 'close' });
      });
      await thread.terminate();
    },
  };
}

/**
 * On the thread `embeddedStoreOnThread` starts: opens the database and answers the calls of the thread
 * that started it, returning true; anywhere else it does nothing and returns false.
 */
export function runStoreThread(): boolean {
  const data = workerData as ThreadData | undefined;
  if (isMainThread || parentPort === null || data?.role !== ROLE) return false;
  const port = parentPort;
  lowerThisThreadsPriority();
  const provider = createStoreProvider(
    { kind: 'embedded', dataDir: data.dataDir },
    'local',
    (event, detail) => port.postMessage({ type: 'store-event', event, detail } satisfies ThreadEvent),
  );
  // Opened now rather than on the first /store; a failure is reported and tried again on the next call.
  provider.get().catch(() => {});
  port.on('message', (message: { type?: string }) => {
    if (message?.type === 'close') {
      void provider.close().finally(() => port.postMessage({ type: 'closed' }));
      return;
    }
    answerStoreCall(provider, message, (answer) => port.postMessage(answer));
  });
  return true;
}

/**
 * Linux schedules threads, and a nice value set on a thread's id holds for that thread alone: the
 * database's thread then yields the cores to the threads answering requests while it opens (seconds
 * of WASM) and later. Elsewhere, or where it is refused, the thread keeps the process's priority.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 19);
  } catch {
    // Not Linux, or not allowed: the thread runs at the process's priority.
  }
}
