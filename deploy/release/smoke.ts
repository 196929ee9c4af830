import { parseArgs } from 'node:util';

// The smoke check each release wave runs on every engine it released (CICD-10): GET /health, / and
// /info through the engine's public endpoint, and /info must report the released version. It runs the
// same from a laptop: npx tsx deploy/release/smoke.ts --version 0.1.0-abcdef123456 http://<endpoint>

/** Options of {@link smoke}. */
export interface SmokeOptions {
  /** The version /info must report. */
  readonly version: string;
  /** Tries before giving up: a deployment may still be moving traffic when the check starts. */
  readonly attempts?: number;
  /** Wait between tries. */
  readonly intervalMs?: number;
  /** Limit of one request. */
  readonly timeoutMs?: number;
}

/** One pass over the endpoint; the first problem, or undefined when it serves the version. */
async function check(endpoint: string, options: Required<SmokeOptions>): Promise<string | undefined> {
  const get = async (path: string) => {
    const url = new URL(path, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    try {
      return await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
    } catch (error) {
      throw new Error(`GET ${url.pathname}: ${(error as Error).cause ?? (error as Error).message}`);
    }
  };
  try {
    for (const path of ['health', '']) {
      const answer = await get(path);
      await answer.arrayBuffer();
      if (answer.status !== 200) return `GET /${path} answered ${answer.status}`;
    }
    const info = await get('info');
    if (info.status !== 200) return `GET /info answered ${info.status}`;
    const served = ((await info.json()) as { version?: unknown }).version;
    if (served !== options.version)
      return `GET /info serves version ${String(served)}, not ${options.version}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Resolves once the endpoint serves the version on /health, / and /info; rejects with the last problem. */
export async function smoke(endpoint: string, options: SmokeOptions): Promise<void> {
  const settings = { attempts: 10, intervalMs: 15_000, timeoutMs: 5_000, ...options };
  let problem: string | undefined;
  for (let attempt = 1; attempt <= settings.attempts; attempt++) {
    problem = await check(endpoint, settings);
    if (problem === undefined) return;
    if (attempt < settings.attempts) await new Promise((wait) => setTimeout(wait, settings.intervalMs));
  }
  throw new Error(`${endpoint}: ${problem} (after ${settings.attempts} tries)`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values, positionals } = parseArgs({
    options: { version: { type: 'string' }, attempts: { type: 'string', default: '10' } },
    allowPositionals: true,
  });
  if (values.version === undefined || positionals.length === 0) {
    console.error('usage: npx tsx deploy/release/smoke.ts --version <version> [--attempts n] <endpoint>...');
    process.exit(2);
  }
  const results = await Promise.allSettled(
    positionals.map((endpoint) =>
      smoke(endpoint, { version: values.version ?? '', attempts: Number(values.attempts) }),
    ),
  );
  for (const [i, result] of results.entries())
    console.log(result.status === 'fulfilled' ? `ok ${positionals[i]}` : `FAILED ${result.reason.message}`);
  process.exit(results.every((r) => r.status === 'fulfilled') ? 0 : 1);
}
