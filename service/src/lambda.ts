import type { Hono } from 'hono';
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { formatEventLine } from './log.ts';
import { loadSettings } from './settings.ts';
import { createStoreProvider } from './store/provider.ts';

/** A Lambda handler for API Gateway REST (v1), HTTP API (v2) and ALB events. */
export type HttpLambdaHandler = (event: unknown, context?: LambdaContext) => Promise<APIGatewayProxyResult>;

/**
 * `hono/aws-lambda` with three gaps closed: an HTTP API stage other than `$default` arrives as a path
 * prefix (every route would 404), ALB multi-value headers are joined with "; " instead of ", ", and an
 * event that is not an HTTP request would be answered as `GET /`.
 */
export function createLambdaHandler(app: Hono): HttpLambdaHandler {
  const honoHandler = handle(app);
  return async (event, context) => honoHandler(normaliseEvent(event), context);
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

/** The Lambda entry point (`index.handler`). */
export const handler = createLambdaHandler(
  createApp({
    settings,
    store: store.get,
    log: writeLine,
  }),
);
