import cluster, { type Worker } from 'node:cluster';
import { createApp, withDefaults } from './app.ts';
import { drainSwitchOf } from './drain.ts';
import { createBufferedSink, formatEventLine } from './log.ts';
import { loadSettings, type Settings } from './settings.ts';
import { serveStoreToWorkers, storeFromPrimary } from './store/ipc.ts';
import { createStoreProvider, type StoreProvider } from './store/provider.ts';
import { embeddedStoreOnThread, runStoreThread } from './store/thread.ts';
import { startWebServer } from './web.ts';
import { createWebFastPath } from './web-fast-path.ts';

// Web mode: `node dist/server.mjs`. One process per core under node:cluster, each draining gracefully
// on SIGTERM; the primary replaces crashed workers and waits for all of them when stopping. The same
// file, loaded on the embedded database's thread, runs that thread instead (store/thread.ts).

const sink = createBufferedSink((chunk) => process.stdout.write(chunk));
// A log reader that goes away (EPIPE) must cost the log lines, not the service: without a listener the
// stream's error event would end the process.
process.stdout.on('error', () => {});
const logEvent = (event: string, fields: Record<string, unknown> = {}) =>
  sink(formatEventLine(Date.now(), event, { pid: process.pid, ...fields }));

function exit(code: number): never {
  sink.flush();
  process.exit(code);
}

if (!runStoreThread()) await main();

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const storeEvents = (event: string, detail: string) => logEvent(event, { detail });
  const { database } = settings;
  // PGlite lives inside one process, on a thread of its own; with a cluster, the primary holds it and
  // serves the workers.
  const openStore = () =>
    database.kind === 'embedded'
      ? embeddedStoreOnThread(import.meta.url, database.dataDir, storeEvents)
      : createStoreProvider(database, settings.servedBy.region, storeEvents);
  if (settings.workers === 1) {
    await runWorker(settings, openStore());
  } else if (cluster.isPrimary) {
    const store = database.kind === 'embedded' ? openStore() : undefined;
    if (store) serveStoreToWorkers(store);
    runPrimary(settings.workers, settings.shutdownTimeoutMs, store);
  } else {
    await runWorker(settings, database.kind === 'embedded' ? storeFromPrimary() : openStore());
  }
}

/** Opens the database now rather than on the first /store; a failure is logged and retried later. */
function warmUp(store: StoreProvider): void {
  store
    .get()
    .then((opened) => opened.ping())
    .catch(() => {});
}

function runPrimary(count: number, shutdownTimeoutMs: number, store: StoreProvider | undefined): void {
  let stopping = false;
  const listening = new WeakSet<Worker>();
  cluster.on('listening', (worker, address) => {
    listening.add(worker);
    logEvent('worker-listening', { worker: worker.process.pid, port: address.port });
  });
  cluster.on('exit', (worker, code, signal) => {
    logEvent('worker-exit', { worker: worker.process.pid, code, signal });
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        void (store?.close() ?? Promise.resolve()).finally(() => {
          logEvent('stopped');
          exit(0);
        });
      }
      return;
    }
    // A worker that never listened (port taken, bad configuration) would fail again at once.
    if (!listening.has(worker)) {
      logEvent('startup-failed', { detail: 'a worker exited before listening' });
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      exit(1);
    }
    cluster.fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logEvent('stopping', { workers: Object.keys(cluster.workers ?? {}).length });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => {
      logEvent('stop-timeout', { detail: `workers still running after ${shutdownTimeoutMs} ms` });
      exit(1);
    }, shutdownTimeoutMs + 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < count; i++) cluster.fork();
}

async function runWorker(settings: Settings, store: StoreProvider): Promise<void> {
  // One set of dependencies for the route table and the fast path, so both draw failures from one sequence.
  const drain = drainSwitchOf(settings, (event, detail) => logEvent(event, { detail }));
  const deps = withDefaults({ settings, store: store.get, log: sink, ...(drain ? { drain } : {}) });
  const server = await startWebServer(createApp(deps), {
    port: settings.port,
    fastPath: createWebFastPath(deps),
  });
  logEvent('listening', { port: server.port, database: settings.database.kind, ...settings.servedBy });
  warmUp(store);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logEvent('draining');
    setTimeout(() => {
      logEvent('stop-timeout', { detail: `requests still running after ${settings.shutdownTimeoutMs} ms` });
      exit(1);
    }, settings.shutdownTimeoutMs).unref();
    await server.drain();
    await store.close().catch((error: unknown) => logEvent('store-error', { detail: String(error) }));
    logEvent('stopped');
    exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
