import type { Hono } from 'hono';
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import {
  type ConstantAnswer,
  createApp,
  HEALTH_ANSWER,
  logRequest,
  type ResolvedDependencies,
  rootAnswer,
  servedByHeaders,
  withDefaults,
} from './app.ts';
import { drainSwitchOf } from './drain.ts';
import { formatEventLine } from './log.ts';
import { loadSettings } from './settings.ts';
import { createStoreProvider } from './store/provider.ts';

/** A Lambda handler for API Gateway REST (v1), HTTP API (v2) and ALB events. */
export type HttpLambdaHandler = (event: unknown, context?: LambdaContext) => Promise<APIGatewayProxyResult>;

/**
 * `hono/aws-lambda` with three gaps closed: an HTTP API stage other than `$default` arrives as a path
 * prefix (every route would 404), ALB multi-value headers are joined with "; " instead of ", ", and an
 * event that is not an HTTP request would be answered as `GET /`. Given the app's dependencies, it
 * answers plain `GET /` and `GET /health` itself (see `createFastPath`); without them, Hono answers all.
 */
export function createLambdaHandler(app: Hono, fastPathDeps?: ResolvedDependencies): HttpLambdaHandler {
  const honoHandler = handle(app);
  const fastPath = fastPathDeps && createFastPath(fastPathDeps);
  return async (event, context) => {
    const normalised = normaliseEvent(event);
    return fastPath?.(normalised) ?? honoHandler(normalised, context);
  };
}

/**
 * Why a second way to answer two routes: Node 20 loads its web `Request`, `Headers` and `Response`
 * classes (undici) lazily, the first time one is used, and Hono needs all three for any request. On a
 * cold start that load was most of the first invocation (measured: 30-40 ms of a ~40 ms first `GET /`,
 * where a bare handler's import and invocation take ~1.5 ms together); loading them during init only
 * moves the cost. `GET /` and `GET /health` need nothing of the request, so their result is built here
 * from the same answers, headers and log line as the routes in app.ts. Any event Hono might treat
 * differently (a query, a body, another method such as HEAD, a header or host a web Request would
 * refuse) goes through Hono. lambda-fast-path.test.ts holds the two paths equal.
 */
function createFastPath(
  deps: ResolvedDependencies,
): (event: LambdaEvent) => APIGatewayProxyResult | undefined {
  // Sorted by name, as hono/aws-lambda copies them out of the Response's Headers.
  const served = servedByHeaders(deps.settings.servedBy).sort(([a], [b]) => (a < b ? -1 : 1));
  const answers = new Map<string, ConstantAnswer>([
    ['/', rootAnswer(deps.settings.faultMode)],
    ['/health', HEALTH_ANSWER],
  ]);
  return (event) => {
    const path = plainGetPath(event as unknown as EventFields);
    const answer = path === undefined ? undefined : answers.get(path);
    if (path === undefined || answer === undefined) return undefined;
    const start = deps.now();
    const headers = [['content-type', answer.contentType], ...served];
    const result: APIGatewayProxyResult = {
      body: answer.body,
      statusCode: answer.status,
      isBase64Encoded: false, // text and JSON, which the adapter never encodes
      ...('multiValueHeaders' in event && event.multiValueHeaders
        ? { multiValueHeaders: Object.fromEntries(headers.map(([name, value]) => [name, [value]])) }
        : { headers: Object.fromEntries(headers) }),
    };
    logRequest(deps, { method: 'GET', path, status: answer.status, start });
    return result;
  };
}

function normaliseEvent(event: unknown): LambdaEvent {
  const candidate = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const requestContext = candidate.requestContext as Record<string, unknown> | undefined;
  const http = requestContext?.http as { method?: unknown } | undefined;
  if (typeof candidate.rawPath === 'string' && typeof http?.method === 'string') {
    return withoutStagePrefix(
      candidate as unknown as LambdaEvent & { rawPath: string },
      requestContext?.stage,
    );
  }
  if (typeof candidate.httpMethod === 'string' && typeof candidate.path === 'string' && requestContext) {
    return requestContext.elb
      ? withListJoinedHeaders(candidate as unknown as LambdaEvent)
      : (candidate as unknown as LambdaEvent);
  }
  throw new TypeError(
    'not an HTTP event: expected an API Gateway REST (v1), HTTP API (v2) or ALB request event',
  );
}

/** The fields of the three event kinds that decide whether an event is a plain `GET`. */
interface EventFields {
  readonly rawPath?: unknown;
  readonly rawQueryString?: unknown;
  readonly path?: unknown;
  readonly httpMethod?: unknown;
  readonly queryStringParameters?: unknown;
  readonly multiValueQueryStringParameters?: unknown;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly cookies?: unknown;
  readonly body?: unknown;
  readonly requestContext: { readonly domainName?: unknown; readonly http?: { readonly method?: unknown } };
}

const TOKEN = /^[!#$%&'*+.^_`|~\w-]+$/;
const PRINTABLE = /^[\t\x20-\x7e]*$/;
const printable = (value: unknown) => typeof value === 'string' && PRINTABLE.test(value);
const fieldsAre = (fields: unknown, valueOk: (value: unknown) => boolean) =>
  fields == null ||
  (typeof fields === 'object' &&
    Object.entries(fields).every(([name, value]) => TOKEN.test(name) && valueOk(value)));
const empty = (value: unknown) =>
  value == null || (typeof value === 'object' && Object.keys(value).length === 0);

/**
 * The path of a `GET` without query or body whose headers, cookies and host a web Request accepts as
 * they are, read as hono/aws-lambda reads each event kind; otherwise undefined.
 */
function plainGetPath(event: EventFields): string | undefined {
  try {
    const context = event.requestContext;
    if (Object.hasOwn(context, 'serviceArn')) return undefined; // a VPC Lattice event
    const v2 =
      !Object.hasOwn(context, 'elb') && Object.hasOwn(event, 'rawPath') && Object.hasOwn(context, 'http');
    const method = v2 ? context.http?.method : event.httpMethod;
    const path = v2 ? event.rawPath : event.path;
    const noQuery = v2
      ? !event.rawQueryString
      : empty(event.queryStringParameters) && empty(event.multiValueQueryStringParameters);
    if (method !== 'GET' || typeof path !== 'string' || !noQuery || event.body) return undefined;
    const headersOk =
      fieldsAre(event.headers, printable) &&
      fieldsAre(event.multiValueHeaders, (values) => Array.isArray(values) && values.every(printable)) &&
      (!Array.isArray(event.cookies) || event.cookies.every(printable));
    if (!headersOk) return undefined;
    const host =
      'domainName' in context
        ? context.domainName
        : event.headers?.host || event.multiValueHeaders?.host?.[0];
    const url = new URL(`https://${host}${path}`);
    const plainUrl = url.pathname === path && url.search === '' && url.hash === '' && url.username === '';
    return plainUrl && url.password === '' ? path : undefined;
  } catch {
    return undefined; // whatever Hono makes of it
  }
}

function withoutStagePrefix<E extends { rawPath: string }>(event: E, stage: unknown): E {
  if (typeof stage !== 'string' || stage === '$default') return event;
  const prefix = `/${stage}`;
  if (event.rawPath === prefix) return { ...event, rawPath: '/' };
  if (event.rawPath.startsWith(`${prefix}/`))
    return { ...event, rawPath: event.rawPath.slice(prefix.length) };
  return event;
}

function withListJoinedHeaders(event: LambdaEvent): LambdaEvent {
  const multiValueHeaders = (event as { multiValueHeaders?: Record<string, string[] | undefined> })
    .multiValueHeaders;
  if (!multiValueHeaders) return event;
  const joined: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    if (!values) continue;
    // RFC 9110 joins repeated fields with ", "; only Cookie uses "; ".
    joined[name] = [values.join(name.toLowerCase() === 'cookie' ? '; ' : ', ')];
  }
  return { ...event, multiValueHeaders: joined } as LambdaEvent;
}

const settings = loadSettings(process.env, { engine: 'lambda' });
// Lambda freezes the process between invocations: lines are written at once, never buffered.
const writeLine = (line: string) => {
  process.stdout.write(`${line}\n`);
};
const store = createStoreProvider(settings.database, settings.servedBy.region, (event, detail) =>
  writeLine(formatEventLine(Date.now(), event, { detail })),
);

// One set of dependencies for the app and the fast path, so both draw failures from one sequence.
const drain = drainSwitchOf(settings, (event, detail) =>
  writeLine(formatEventLine(Date.now(), event, { detail })),
);
const deps = withDefaults({ settings, store: store.get, log: writeLine, ...(drain ? { drain } : {}) });

/** The Lambda entry point (`index.handler`). */
export const handler = createLambdaHandler(createApp(deps), deps);
