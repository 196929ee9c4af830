/**
 * `npm run bench`: web mode against a minimal Go net/http server, and Lambda mode's size and cold
 * start against a bare handler. Prints figures; asserts nothing (targets are reported met or not).
 *
 * Both web servers get the same conditions: the same wrk settings, warm-up, loopback address and
 * stdout sink, measured in alternation so that other work on the machine (two cores, shared with
 * whatever else runs) falls on both; how much of it there was is printed. wrk (C, one thread) is the load
 * generator rather than an npm one: on two cores it shares the CPU with the server under test, and a
 * Node load generator would need several times wrk's CPU per request, taking it from the server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bareHandler, type ColdStart, coldStart, lambdaFootprint } from './lib/lambda.ts';
import { machineBusyCores, machineTicks, reapedChildrenTicks, ticksPerSecond } from './lib/proc.ts';
import { type RunningServer, type ServerSpec, type StdoutSink, startServer } from './lib/server.ts';
import { errorCount, requestsPerSecond, runWrk, type WrkReport } from './lib/wrk.ts';

const root = process.cwd();
/**
 * 32 keep-alive connections, 16 per core: enough to keep every worker (and Go's scheduler) busy, few
 * enough that queueing stays short, so p99 reflects the server rather than a backlog wrk built up.
 */
const CONNECTIONS = 32;
/** Long enough for a stable rate (hundreds of thousands of requests), short enough for minutes in total. */
const SECONDS = 8;
/** JIT warm-up per route before measuring: V8 optimises the hot path within a second or two. */
const WARMUP_SECONDS = 2;
const COLD_STARTS = 11;
/** GET / carries the target, so it gets a second round; the other figures one each. */
const ROOT_ROUNDS = 2;
/** kB of 1000 bytes, the stricter reading of "100 KB". */
const LAMBDA_EAGER_LIMIT = 100_000;
const COLD_START_RATIO_LIMIT = 1.3;
/** GET / in web mode: at least this share of Go's req/s, with a p99 no worse than Go's. */
const ROOT_RATIO_TARGET = 0.8;
/** Load right after a start, measured from the moment `/health` first answers. */
const START_SECONDS = 5;
/** The p99 of GET / over the first START_SECONDS may be at most this multiple of the steady p99. */
const START_P99_RATIO_LIMIT = 3;
/** Cores of unrelated work above which the figures are flagged as disturbed. */
const DISTURBED_CORES = 0.2;
const STORE_BODY = JSON.stringify({ message: 'Hello, DevOps!', n: 42, tags: ['bench', 'store'] });
/** Never connected to: Lambda mode needs a database setting, and `GET /` must not touch it. */
const UNREACHABLE_DATABASE = 'postgres://bench@127.0.0.1:1/bench';

interface Route {
  readonly label: string;
  readonly path: string;
  readonly jsonBody?: string;
}
const ROOT: Route = { label: 'GET /', path: '/' };
const HEALTH: Route = { label: 'GET /health', path: '/health' };
const STORE: Route = { label: 'POST /store', path: '/store', jsonBody: STORE_BODY };

interface Measurement {
  readonly report: WrkReport;
  readonly rps: number;
  readonly errors: number;
  /** Cores the server's processes used while measured (out of the machine's). */
  readonly serverCores: number;
  /** Cores wrk used. */
  readonly wrkCores: number;
  /** Cores used by everything else on the machine: neither the server, nor wrk, nor this runner. */
  readonly otherCores: number;
  /** stdout lines per request; undefined when stdout was not read. */
  readonly linesPerRequest: number | undefined;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function run(command: string, args: string[], cwd = root): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
  };
}

function onPath(command: string): boolean {
  return run('sh', ['-c', `command -v ${command}`]).ok;
}

async function measure(server: RunningServer, route: Route, sink: StdoutSink): Promise<Measurement> {
  const spec = { url: `${server.baseUrl}${route.path}`, connections: CONNECTIONS, jsonBody: route.jsonBody };
  await runWrk({ ...spec, seconds: WARMUP_SECONDS });
  const ticks = server.cpuTicks();
  const wrkTicks = reapedChildrenTicks();
  const machine = machineTicks();
  const lines = server.stdoutLines();
  const runner = process.cpuUsage();
  const report = await runWrk({ ...spec, seconds: SECONDS });
  const runnerUs = process.cpuUsage(runner);
  const cores = (ticksUsed: number) => ticksUsed / ticksPerSecond / (report.durationUs / 1e6);
  const serverCores = cores(server.cpuTicks() - ticks);
  const wrkCores = cores(reapedChildrenTicks() - wrkTicks);
  return {
    report,
    rps: requestsPerSecond(report),
    errors: errorCount(report),
    serverCores,
    wrkCores,
    // This runner's own CPU (mostly reading the server's logs) is not disturbance: it is the same for
    // every run of the benchmark.
    otherCores: Math.max(
      0,
      cores(machineTicks().busy - machine.busy) -
        serverCores -
        wrkCores -
        cores(((runnerUs.user + runnerUs.system) / 1e6) * ticksPerSecond),
    ),
    // The buffered log sink may still hold the last burst; a few lines out of 10^5 do not show.
    linesPerRequest: sink === 'pipe' ? (server.stdoutLines() - lines) / report.requests : undefined,
  };
}

type Server = RunningServer & { sink: StdoutSink };
/** Servers not stopped yet: stopped on the way out if a step fails. */
const running = new Set<Server>();
const peakRss = new Map<string, number>();

/** Keeps the round with the higher rate: interference from other work on the machine only lowers it. */
function best(a: Measurement | undefined, b: Measurement): Measurement {
  return a === undefined || b.rps > a.rps ? b : a;
}

/**
 * Measures each route on each server, alternating servers within a route and repeating `rounds`
 * times, so a burst of unrelated load on the machine falls on both sides rather than on one.
 */
async function compare(
  servers: readonly Server[],
  routes: readonly Route[],
  rounds: number,
): Promise<Map<string, Map<string, Measurement>>> {
  const results = new Map(servers.map((s) => [s.name, new Map<string, Measurement>()]));
  for (const route of routes) {
    for (let round = 1; round <= rounds; round++) {
      for (const server of servers) {
        log(`${server.name}: ${route.label} (round ${round} of ${rounds})`);
        const byRoute = results.get(server.name);
        byRoute?.set(route.label, best(byRoute.get(route.label), await measure(server, route, server.sink)));
      }
    }
  }
  return results;
}

async function start(spec: ServerSpec): Promise<Server> {
  log(`starting ${spec.name}`);
  const server = { ...(await startServer(spec)), sink: spec.stdout };
  running.add(server);
  return server;
}

/** Our server's environment: the caller's, without database or fault settings (WORKERS is kept). */
function serviceEnv(databaseUrl?: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'DB_SECRET_PARAMETER', 'PGLITE_PATH', 'FAILURE_RATE', 'FAULT_MODE']) {
    delete env[key];
  }
  return databaseUrl === undefined ? env : { ...env, DATABASE_URL: databaseUrl };
}

function ours(name: string, stdout: StdoutSink, databaseUrl?: string): ServerSpec {
  return {
    name,
    command: process.execPath,
    args: ['dist/server.mjs'],
    env: serviceEnv(databaseUrl),
    stdout,
    startTimeoutMs: 60_000,
  };
}

/** Builds the Go reference with the distribution's toolchain; a reason instead when it cannot. */
function buildGo(): { binary: string } | { skipped: string } {
  if (!onPath('go')) return { skipped: 'no Go toolchain (Debian: apt-get install golang-go)' };
  const dir = join(root, 'bench', 'go');
  // Standard library only, so the module proxy is never needed.
  const built = run('go', ['build', '-trimpath', '-o', 'hello-go', '.'], dir);
  if (!built.ok) return { skipped: `go build failed: ${built.output.trim()}` };
  return { binary: join(dir, 'hello-go') };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const rps = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r, ri) => {
      const line = r.map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
      );
      return ri === 0
        ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`
        : line.join('  ');
    })
    .join('\n');
}

function webRow(
  label: string,
  mine: Measurement | undefined,
  go: Measurement | undefined,
  isTarget: boolean,
) {
  const cells = (m: Measurement | undefined) =>
    m === undefined
      ? ['—', '—', '—', '—']
      : [
          rps(m.rps),
          ms(m.report.latencyUs.p50),
          ms(m.report.latencyUs.p99),
          // CPU per request moves far less than req/s when other work shares the cores.
          `${Math.round((m.serverCores * 1e6) / m.rps)} µs`,
        ];
  const ratio = mine !== undefined && go !== undefined ? mine.rps / go.rps : undefined;
  let target = 'no target';
  if (isTarget) {
    target =
      ratio === undefined || mine === undefined || go === undefined
        ? 'unknown (no Go)'
        : ratio >= ROOT_RATIO_TARGET && mine.report.latencyUs.p99 <= go.report.latencyUs.p99
          ? 'MET'
          : 'NOT MET';
  }
  const errors = `${mine?.errors ?? '—'}/${go?.errors ?? '—'}`;
  const other = Math.max(mine?.otherCores ?? 0, go?.otherCores ?? 0).toFixed(2);
  return [
    label,
    ...cells(mine),
    ...cells(go),
    ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
    other,
    errors,
    target,
  ];
}

async function lambdaFigures(): Promise<string[]> {
  const entry = join('dist', 'lambda', 'index.mjs');
  if (!existsSync(join(root, entry))) return [`Lambda mode: ${entry} was not built`];
  const footprint = await lambdaFootprint(entry, root);
  const eagerBytes = footprint.eager.reduce((s, f) => s + f.minifiedBytes, 0);
  const lazyBytes = footprint.lazy.reduce((s, f) => s + f.minifiedBytes, 0);

  const env = serviceEnv(UNREACHABLE_DATABASE);
  const mine: ColdStart[] = [];
  const bare: ColdStart[] = [];
  // Interleaved, so a burst of background work on the machine hits both sides alike.
  for (let i = 0; i < COLD_STARTS; i++) {
    bare.push(await coldStart(bareHandler, env));
    mine.push(await coldStart(join(root, entry), env));
  }
  const bad = mine.find((c) => c.statusCode !== 200 || c.body !== 'Hello, DevOps!');
  if (bad !== undefined)
    throw new Error(`Lambda GET / answered ${bad.statusCode} ${JSON.stringify(bad.body)}`);
  const mineMs = median(mine.map((c) => c.totalMs));
  const bareMs = median(bare.map((c) => c.totalMs));
  // Until the handler module is imported both processes run the same code, so their boot times differ
  // by noise only (tens of ms on a shared machine). The ratio uses one boot median over all runs plus
  // each side's own import + invoke median.
  const boot = median([...mine, ...bare].map((c) => c.bootMs));
  const handlerMs = (c: readonly ColdStart[]) => median(c.map((x) => x.importMs + x.invokeMs));
  const ratio = (boot + handlerMs(mine)) / (boot + handlerMs(bare));

  // Which files `GET /` actually reads, recorded by a module hook in a separate, untimed process.
  const dir = mkdtempSync(join(tmpdir(), 'bench-loads-'));
  let loaded: string;
  try {
    const loadLog = join(dir, 'loads.txt');
    const probe = await coldStart(join(root, entry), env, loadLog);
    const [forRoot = '', forStore = ''] = readFileSync(loadLog, 'utf8').split('--- POST /store\n');
    const files = (text: string) =>
      text
        .split('\n')
        .filter((f) => f !== '')
        .map((f) => relative(root, f));
    const rootFiles = files(forRoot).filter((f) => !f.startsWith('bench/'));
    const lazyNames = new Set(footprint.lazy.map((f) => f.file));
    const lazyForRoot = rootFiles.filter((f) => lazyNames.has(f));
    loaded =
      `  files read to answer GET /: ${rootFiles.join(', ')}` +
      (lazyForRoot.length === 0 ? ' (no lazy chunk)' : ` — LAZY CHUNKS LOADED: ${lazyForRoot.join(', ')}`) +
      `\n  then POST /store (database unreachable, answered ${probe.store?.statusCode}) read: ` +
      `${files(forStore).join(', ') || 'nothing more'}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const part = (c: readonly ColdStart[], key: 'bootMs' | 'importMs' | 'invokeMs') =>
    median(c.map((x) => x[key])).toFixed(1);
  return [
    `Lambda mode (${entry}):`,
    `  code loaded to answer GET /: ${kB(eagerBytes)} minified in ${footprint.eager.length} file(s) ` +
      `(target ≤ ${kB(LAMBDA_EAGER_LIMIT)}: ${met(eagerBytes <= LAMBDA_EAGER_LIMIT)}); ` +
      `lazy chunks: ${kB(lazyBytes)} in ${footprint.lazy.length} file(s)`,
    loaded,
    `  cold start, fresh node process to first GET / result, median of ${COLD_STARTS}: ` +
      `ours ${mineMs.toFixed(1)} ms (node boot ${part(mine, 'bootMs')} + import ${part(mine, 'importMs')} + ` +
      `invoke ${part(mine, 'invokeMs')}), bare handler ${bareMs.toFixed(1)} ms (boot ${part(bare, 'bootMs')} + ` +
      `import ${part(bare, 'importMs')} + invoke ${part(bare, 'invokeMs')})`,
    `  cold-start ratio ours/bare: ${ratio.toFixed(2)}× with the boot median of all ${2 * COLD_STARTS} runs ` +
      `(${boot.toFixed(1)} ms) on both sides (target ≤ ${COLD_START_RATIO_LIMIT}×: ` +
      `${met(ratio <= COLD_START_RATIO_LIMIT)}); ratio of the medians above: ${(mineMs / bareMs).toFixed(2)}×`,
    `  peak RSS of the cold-start process: ours ${mb(median(mine.map((c) => c.maxRssKb)))}, ` +
      `bare ${mb(median(bare.map((c) => c.maxRssKb)))}`,
  ];
}

/** Stops the servers whatever happened, keeping each one's peak RSS. */
async function withServers<T>(servers: readonly (Server | undefined)[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    for (const server of servers) {
      if (server !== undefined) {
        peakRss.set(server.name, server.peakRssKb());
        await server.stop();
        running.delete(server);
      }
    }
  }
}

async function main(): Promise<void> {
  if (!onPath('wrk')) {
    log('wrk is required as the load generator (Debian: apt-get install wrk)');
    process.exitCode = 1;
    return;
  }
  const background = await machineBusyCores(1000);
  log('npm run build');
  const build = run('npm', ['run', 'build']);
  if (!build.ok) throw new Error(`npm run build failed:\n${build.output}`);

  const goBuild = buildGo();
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const workers = process.env.WORKERS ?? String(availableParallelism());

  // Web mode as deployed: PostgreSQL configured, so node:cluster runs WORKERS processes. Without a
  // real server the URL points nowhere, which `/` and `/health` never notice.
  const cluster = await start(ours(`${workers} workers`, 'pipe', databaseUrl ?? UNREACHABLE_DATABASE));
  const quiet = await start(
    ours(`${workers} workers, stdout /dev/null`, 'null', databaseUrl ?? UNREACHABLE_DATABASE),
  );
  const go =
    'binary' in goBuild
      ? await start({
          name: 'Go',
          command: goBuild.binary,
          args: [],
          env: process.env,
          stdout: 'pipe',
          startTimeoutMs: 10_000,
        })
      : undefined;
  const withGo = (server: Server) => (go === undefined ? [server] : [server, go]);
  const web = await withServers([cluster, quiet, go], async () => {
    const slash = await compare([...withGo(cluster), quiet], [ROOT], ROOT_ROUNDS);
    const rest = await compare(withGo(cluster), databaseUrl === undefined ? [HEALTH] : [HEALTH, STORE], 1);
    const goStore =
      go !== undefined && databaseUrl === undefined ? await compare([go], [STORE], 1) : undefined;
    return { slash, rest, goStore };
  });
  // The default of `npm start`: the embedded PGlite, which lives in one process (the cluster primary
  // when there are several workers), so every /store crosses to it.
  // Started as a user starts it and loaded as soon as `/health` answers, while PGlite is still opening.
  const embedded = await start({ ...ours(`${workers} workers, PGlite`, 'pipe'), atFirstHealth: true });
  const { single, startP99Us } = await withServers([embedded], async () => {
    const atStart = await runWrk({
      url: `${embedded.baseUrl}${ROOT.path}`,
      connections: CONNECTIONS,
      seconds: START_SECONDS,
    });
    await embedded.untilIdle();
    return {
      startP99Us: atStart.latencyUs.p99,
      single: await compare([embedded], [ROOT, HEALTH, STORE], 1),
    };
  });
  const lambda = await lambdaFigures();

  const get = (results: Map<string, Map<string, Measurement>> | undefined, server: string, route: Route) =>
    results?.get(server)?.get(route.label);
  const ourRoot = get(web.slash, cluster.name, ROOT);
  const goRoute = (route: Route) =>
    get(web.slash, 'Go', route) ?? get(web.rest, 'Go', route) ?? get(web.goStore, 'Go', route);
  const rows = [
    [
      'ours: route (configuration)',
      'req/s',
      'p50',
      'p99',
      'CPU/req',
      'Go req/s',
      'p50',
      'p99',
      'CPU/req',
      'ours/Go',
      'other',
      'errors',
      'target',
    ],
    webRow(`GET / (${cluster.name})`, ourRoot, goRoute(ROOT), true),
    webRow(`GET /health (${cluster.name})`, get(web.rest, cluster.name, HEALTH), goRoute(HEALTH), false),
    ...(databaseUrl === undefined
      ? []
      : [
          webRow(
            `POST /store (${cluster.name}, PostgreSQL)`,
            get(web.rest, cluster.name, STORE),
            goRoute(STORE),
            false,
          ),
        ]),
    webRow(`GET / (${quiet.name})`, get(web.slash, quiet.name, ROOT), goRoute(ROOT), false),
    webRow(`GET / (${embedded.name})`, get(single, embedded.name, ROOT), goRoute(ROOT), false),
    webRow(`GET /health (${embedded.name})`, get(single, embedded.name, HEALTH), goRoute(HEALTH), false),
    webRow(`POST /store (${embedded.name})`, get(single, embedded.name, STORE), goRoute(STORE), false),
  ];
  const lines = ourRoot?.linesPerRequest;
  const measured = [web.slash, web.rest, web.goStore, single].flatMap((r) =>
    r === undefined ? [] : [...r.values()].flatMap((byRoute) => [...byRoute.values()]),
  );
  const disturbed = Math.max(0, ...measured.map((m) => m.otherCores));
  const steadyP99Us = get(single, embedded.name, ROOT)?.report.latencyUs.p99;
  const startRatio = steadyP99Us === undefined ? undefined : startP99Us / steadyP99Us;
  const rss = [...peakRss].map(([name, kb]) => `${name} ${mb(kb)}`).join(', ');
  const out = [
    '',
    `Web mode: node ${process.version}, ${availableParallelism()} cores, wrk 1 thread × ${CONNECTIONS} keep-alive ` +
      `connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per figure; GET / best of ${ROOT_ROUNDS} ` +
      `alternating rounds. Machine busy before the run: ${background.toFixed(2)} cores.`,
    table(rows),
    `  target: ours ≥ ${ROOT_RATIO_TARGET}× Go req/s on GET / with p99 no worse than Go (web mode as deployed, with PostgreSQL).`,
    '  CPU/req = server CPU time per request. other = cores busy with neither server, nor wrk, nor this runner',
    `  (which reads the logs): above ${DISTURBED_CORES}, unrelated work on the machine disturbed the figure.`,
    `  wrk itself used ${ourRoot?.wrkCores.toFixed(2) ?? '?'} cores on our GET /. errors = ours/Go non-2xx or socket errors.`,
    "  Both servers' stdout is read through a pipe, as a log shipper would; the service writes one JSON line per",
    `  request (${lines === undefined ? '?' : lines.toFixed(2)} measured), Go logs nothing.`,
    '  Go keeps records in an in-memory map under a mutex, ours writes each to a database: the POST /store',
    '  ratios are indicative only.',
    ...('skipped' in goBuild ? [`  Go reference skipped: ${goBuild.skipped}`] : []),
    ...(databaseUrl === undefined
      ? ['  POST /store against PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL.']
      : []),
    ...(disturbed > DISTURBED_CORES
      ? [
          `  WARNING: other work used up to ${disturbed.toFixed(2)} cores during the run: req/s and latencies`,
          '  understate both servers; CPU/req is the steadier comparison. Rerun on a quiet machine.',
        ]
      : []),
    `Start (${embedded.name}, as \`npm start\`): GET / p99 over the first ${START_SECONDS} s after /health first ` +
      `answered ${ms(startP99Us)}, steady ${steadyP99Us === undefined ? '?' : ms(steadyP99Us)}: ` +
      `${startRatio === undefined ? '?' : `${startRatio.toFixed(2)}×`} (target ≤ ${START_P99_RATIO_LIMIT}×: ` +
      `${startRatio !== undefined && startRatio <= START_P99_RATIO_LIMIT ? 'MET' : 'NOT MET'})`,
    `Peak RSS (primary + workers): ${rss}`,
    '',
    ...lambda,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await main();
} finally {
  for (const server of running) await server.stop();
}
