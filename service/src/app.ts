import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DrainSwitch } from './drain.ts';
import {
  DatabaseUnavailableError,
  InvalidInputError,
  PayloadTooLargeError,
  RecordNotFoundError,
  ServiceError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import { formatEventLine, formatRequestLogLine, type LineSink } from './log.ts';
import { type RandomSource, seededRandom } from './random.ts';
import type { Settings } from './settings.ts';
import type { Store, StoredRecord } from './store/store.ts';

/** The largest document `POST /store` accepts. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Newest-first listing bounds. */
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;
/**
 * The most a listing's records may weigh, counted as a Lambda response carries them: the body is a JSON
 * string there, where every quote, backslash and newline doubles. A full page of 100 documents of 64 KiB
 * would be 6.5 MB raw and up to twice that escaped, past Lambda's 6 MB response payload; under this
 * budget the whole response (envelope and headers included) stays below it. The same in web mode, so a
 * client sees one behaviour.
 */
export const MAX_LIST_BYTES = 5_000_000;
/** A database answer later than this is an outage: the client gets a 503 well within 2 seconds. */
export const DEFAULT_STORE_DEADLINE_MS = 1500;
/**
 * PostgreSQL's JSON parser is recursive: past a few thousand levels it runs out of stack (and PGlite's
 * error leaves a confusing message), so deeper documents are refused up front, the same on both.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Everything the routes need, passed in so tests control time, chance, storage and logs. */
export interface AppDependencies {
  /** The validated settings (identity, fault switch, failure share and its seed). */
  readonly settings: Pick<Settings, 'servedBy' | 'faultMode' | 'failureRate'> &
    Partial<Pick<Settings, 'failureSeed'>>;
  /** The store, opened lazily; rejects with DatabaseUnavailableError while it cannot be reached. */
  readonly store: () => Promise<Store>;
  /** Epoch milliseconds with sub-millisecond precision. @default performance.timeOrigin + performance.now() */
  readonly now?: () => number;
  /** Decides which requests record a simulated failure. @default seeded by `failureSeed`, else Math.random */
  readonly random?: RandomSource;
  /** Receives one JSON line per request and per operator event. */
  readonly log: LineSink;
  /** Longest wait for the database per request. @default 1500 */
  readonly storeDeadlineMs?: number;
  /** Whether the region is taken out of DNS: `/health/deep` then answers 503. @default never */
  readonly drain?: DrainSwitch;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** AppDependencies with the clock and the failure draw decided: whoever shares one shares their sequence. */
export type ResolvedDependencies = AppDependencies & Required<Pick<AppDependencies, 'now' | 'random'>>;

/** Fills in the default clock and failure draw (keeping those given), as `createApp` does. */
export function withDefaults(deps: AppDependencies): ResolvedDependencies {
  const seed = deps.settings.failureSeed;
  return {
    ...deps,
    now: deps.now ?? (() => performance.timeOrigin + performance.now()),
    random: deps.random ?? (seed === undefined ? Math.random : seededRandom(seed)),
  };
}

/** The `x-served-by-*` headers every response carries, in the order they are set. */
export function servedByHeaders(servedBy: AppDependencies['settings']['servedBy']): [string, string][] {
  return [
    ['x-served-by-version', servedBy.version],
    ['x-served-by-region', servedBy.region],
    ['x-served-by-engine', servedBy.engine],
    ['x-served-by-colour', servedBy.colour],
  ];
}

/**
 * Writes the line of a request that began at `start` (from `deps.now`), drawing its outcome. The route
 * table's middleware and Lambda mode's fast path (lambda.ts) both log through here.
 */
export function logRequest(
  deps: ResolvedDependencies,
  request: {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly start: number;
  },
): void {
  const { servedBy, failureRate } = deps.settings;
  deps.log(
    formatRequestLogLine({
      time: new Date(request.start).toISOString(),
      method: request.method,
      path: request.path,
      status: request.status,
      durationMs: Math.round((deps.now() - request.start) * 100) / 100,
      outcome: failureRate > 0 && deps.random() < failureRate ? 'failure' : 'success',
      version: servedBy.version,
      region: servedBy.region,
      engine: servedBy.engine,
      colour: servedBy.colour,
    }),
  );
}

/** A whole answer that depends on no part of the request: `GET /` and `GET /health`. */
export interface ConstantAnswer {
  readonly status: ContentfulStatusCode;
  readonly contentType: string;
  readonly body: string;
}

const TEXT_PLAIN = 'text/plain; charset=UTF-8';

/** `GET /`: the greeting, or the deliberate failure of the fault switch. */
export function rootAnswer(faultMode: AppDependencies['settings']['faultMode']): ConstantAnswer {
  return faultMode === 'root-500'
    ? {
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: 'fault_injected',
          detail: 'FAULT_MODE=root-500 makes / fail on purpose',
        }),
      }
    : { status: 200, contentType: TEXT_PLAIN, body: 'Hello, DevOps!' };
}

/** `GET /health`: stays 200 whatever the fault switch says. */
export const HEALTH_ANSWER: ConstantAnswer = { status: 200, contentType: TEXT_PLAIN, body: 'healthy' };

/** Builds the route table shared by web mode and Lambda mode. Does no I/O. */
export function createApp(dependencies: AppDependencies): Hono {
  const deps = withDefaults(dependencies);
  const { now } = deps;
  const deadlineMs = deps.storeDeadlineMs ?? DEFAULT_STORE_DEADLINE_MS;
  const { servedBy, faultMode } = deps.settings;
  const headers = servedByHeaders(servedBy);
  const startedAt = new Date(now()).toISOString();
  const app = new Hono();

  app.use(async (c, next) => {
    const start = now();
    for (const [name, value] of headers) c.header(name, value);
    await next();
    logRequest(deps, { method: c.req.method, path: c.req.path, status: c.res.status, start });
  });

  const answer = (c: Context, { body, status, contentType }: ConstantAnswer) =>
    c.body(body, status, { 'content-type': contentType });

  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnavailableError(`database did not answer within ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    try {
      return await Promise.race([deps.store().then(work), late]);
    } finally {
      clearTimeout(timer);
    }
  };

  const documentTooLarge = () =>
    new PayloadTooLargeError(`the document must not exceed ${MAX_DOCUMENT_BYTES} bytes`);
  const limitChunkedBody = bodyLimit({
    maxSize: MAX_DOCUMENT_BYTES,
    onError: () => {
      throw documentTooLarge();
    },
  });

  // Lambda mode answers plain GETs of these two from the event, without this table (see lambda.ts).
  const root = rootAnswer(faultMode);
  app.get('/', (c) => answer(c, root));

  app.get('/health', (c) => answer(c, HEALTH_ANSWER));

  app.get('/health/deep', async (c) => {
    // Only the deep check drains: Route 53 takes the region out of DNS, every other route keeps serving
    // the users whose resolvers still hold its answer.
    const draining = await deps.drain?.();
    if (draining !== undefined) return c.json({ status: 'draining', until: draining.until }, 503);
    await withStore((store) => store.ping());
    return c.json({ status: 'healthy', database: 'reachable' });
  });

  app.get('/info', (c) => c.json({ ...servedBy, startedAt }));

  app.post(
    '/store',
    async (c, next) => {
      const type = c.req.header('content-type') ?? '';
      if (!JSON_MEDIA_TYPE.test(type)) {
        throw new UnsupportedMediaTypeError(
          `expected Content-Type application/json, got ${JSON.stringify(type)}`,
        );
      }
      await next();
    },
    async (c, next) => {
      // A body of declared length is checked by its header and then read straight from the socket:
      // bodyLimit touches `c.req.raw.body`, which makes @hono/node-server build a whole web Request
      // first (measured: about 3x the CPU of a POST). Only chunked bodies need counting as they arrive.
      const declared = c.req.header('content-length');
      if (declared === undefined || c.req.header('transfer-encoding') !== undefined) {
        return limitChunkedBody(c, next);
      }
      if (Number(declared) > MAX_DOCUMENT_BYTES) throw documentTooLarge();
      await next();
    },
    async (c) => {
      const json = parseJsonObject(new Uint8Array(await c.req.arrayBuffer()));
      const id = crypto.randomUUID();
      await withStore((store) => store.put(id, json));
      c.header('location', `/store/${id}`);
      return c.json({ id }, 201);
    },
  );

  app.get('/store/:id', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) throw new InvalidInputError('the id must be a UUID');
    const record = await withStore((store) => store.get(id));
    if (record === undefined) throw new RecordNotFoundError(`no record with id ${id}`);
    return c.body(record.json, 200, { 'content-type': 'application/json' });
  });

  app.get('/store', async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const records = await withStore((store) => store.list(limit));
    return c.body(formatRecordList(records), 200, { 'content-type': 'application/json' });
  });

  app.notFound((c) =>
    c.json({ error: 'not_found', detail: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );

  app.onError((error, c) => {
    const status = error instanceof ServiceError ? statusOf(error) : undefined;
    if (error instanceof DatabaseUnavailableError) {
      // The client reads only the service's own words; the driver's (hosts, ports, roles) go to the log.
      deps.log(
        formatEventLine(now(), 'store-unavailable', {
          path: c.req.path,
          detail: error.message,
          cause: describeCause(error.cause),
        }),
      );
    }
    if (error instanceof ServiceError && status !== undefined) {
      return c.json({ error: error.code, detail: error.message }, status);
    }
    deps.log(formatEventLine(now(), 'unexpected-error', { path: c.req.path, error: String(error.stack) }));
    return c.json({ error: 'internal_error', detail: 'unexpected error' }, 500);
  });

  return app;
}

/** The chain of causes as one line (`code: message` each), or undefined without a cause. */
function describeCause(cause: unknown): string | undefined {
  const parts: string[] = [];
  for (let next = cause; next !== undefined && parts.length < 5; next = (next as Error).cause) {
    if (!(next instanceof Error)) {
      parts.push(String(next));
      break;
    }
    const code = (next as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${code}: ${next.message}` : next.message);
  }
  return parts.length === 0 ? undefined : parts.join(' <- ');
}

/** The single place where domain errors become HTTP statuses. */
function statusOf(error: ServiceError): ContentfulStatusCode | undefined {
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof RecordNotFoundError) return 404;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  if (error instanceof DatabaseUnavailableError) return 503;
  return undefined;
}

/**
 * Accepts exactly one JSON object in strict UTF-8 and returns its text unchanged, so the store keeps
 * what the client sent (key order, duplicate keys, number spelling) rather than a re-serialisation.
 */
export function parseJsonObject(bytes: Uint8Array): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new InvalidInputError('the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError('the body must be a JSON object');
  }
  if (nestingDepth(text) > MAX_NESTING_DEPTH) {
    throw new InvalidInputError(`the document is nested deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  return text;
}

/** The deepest nesting of objects and arrays in a valid JSON text. */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return limit;
}

/**
 * Splices the stored documents in as they are, without parsing and re-serialising them, newest first
 * until the next one would pass MAX_LIST_BYTES; `"truncated":true` then tells the client the page holds
 * fewer records than it asked for (the first always fits: it is at most MAX_DOCUMENT_BYTES).
 */
function formatRecordList(records: readonly StoredRecord[]): string {
  const items: string[] = [];
  let bytes = 0;
  for (const record of records) {
    const item = `{"id":"${record.id}","createdAt":"${record.createdAt}","data":${record.json}}`;
    bytes += Buffer.byteLength(JSON.stringify(item)) - 1;
    if (bytes > MAX_LIST_BYTES) return `{"records":[${items.join(',')}],"truncated":true}`;
    items.push(item);
  }
  return `{"records":[${items.join(',')}]}`;
}
