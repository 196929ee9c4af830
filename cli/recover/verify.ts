// Step 6 of the account-loss runbook: each recovered engine answers right, as a user would find it: its
// deep health check reaches the database, and a document written through /store reads back the same.
// Retried until a deadline, since a fresh estate's engines come up one after the other.
import { isDeepStrictEqual } from 'node:util';

/** One engine's public endpoint, e.g. `https://ecs.us-east-2.example.com`. */
export interface Endpoint {
  readonly name: string;
  readonly url: string;
}

/** How long to try, and the clock; `fetch` is injectable. */
export interface VerifyDeps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Limits of the verification. */
export interface VerifyOptions {
  /** When to give up (epoch ms). */
  readonly deadline: number;
  /** One request's timeout. */
  readonly requestTimeoutMs: number;
  /** Between two attempts. */
  readonly pollMs: number;
}

/** One engine's verdict. */
export interface EngineVerdict {
  readonly name: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** What it answered, or the last reason it was wrong. */
  readonly detail: string;
}

async function request(
  deps: VerifyDeps,
  options: VerifyOptions,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string }> {
  const response = await deps.fetch(url, {
    ...init,
    signal: AbortSignal.timeout(options.requestTimeoutMs),
  });
  return { status: response.status, body: await response.text() };
}

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/** One pass over the contract; resolves with what is wrong, or undefined when all is right. */
async function attempt(
  deps: VerifyDeps,
  options: VerifyOptions,
  base: string,
  probe: Record<string, string>,
): Promise<string | undefined> {
  const health = await request(deps, options, `${base}/health/deep`);
  if (health.status !== 200 || (parse(health.body) as { status?: string })?.status !== 'healthy')
    return `GET /health/deep answered ${health.status} ${health.body.slice(0, 200)}`;
  const written = await request(deps, options, `${base}/store`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(probe),
  });
  const id = (parse(written.body) as { id?: unknown })?.id;
  if (written.status !== 201 || typeof id !== 'string')
    return `POST /store answered ${written.status} ${written.body.slice(0, 200)}`;
  const read = await request(deps, options, `${base}/store/${encodeURIComponent(id)}`);
  if (read.status !== 200) return `GET /store/${id} answered ${read.status} ${read.body.slice(0, 200)}`;
  if (!isDeepStrictEqual(parse(read.body), probe))
    return `GET /store/${id} read back ${read.body.slice(0, 200)}, not the document written (${JSON.stringify(probe)})`;
  return undefined;
}

/** Tries one engine until it answers right or the deadline passes. */
export async function verifyEngine(
  deps: VerifyDeps,
  options: VerifyOptions,
  endpoint: Endpoint,
): Promise<EngineVerdict> {
  const base = endpoint.url.replace(/\/$/, '');
  const probe = { probe: 'npm run recover', engine: endpoint.name, at: new Date(deps.now()).toISOString() };
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const wrong = await attempt(deps, options, base, probe).catch(
      (error: unknown) => `${base} did not answer: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (wrong === undefined)
      return {
        name: endpoint.name,
        ok: true,
        attempts,
        detail: 'healthy, /store wrote and read back a document',
      };
    if (deps.now() + options.pollMs > options.deadline)
      return { name: endpoint.name, ok: false, attempts, detail: wrong };
    await deps.sleep(options.pollMs);
  }
}
