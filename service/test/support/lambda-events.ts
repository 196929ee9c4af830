import { readFileSync } from 'node:fs';

/** The event shapes a Lambda function behind API Gateway or an ALB receives. */
export const eventKinds = ['rest-v1', 'http-v2', 'alb', 'alb-multi-value'] as const;
export type EventKind = (typeof eventKinds)[number];

const fixtureFiles: Record<EventKind, string> = {
  'rest-v1': 'api-gateway-rest-v1.json',
  'http-v2': 'api-gateway-http-v2.json',
  alb: 'alb.json',
  'alb-multi-value': 'alb-multi-value.json',
};

// biome-ignore lint/suspicious/noExplicitAny: events are free-form JSON documents shaped by AWS.
type Json = any;

export function fixture(kind: EventKind): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/${fixtureFiles[kind]}`, import.meta.url), 'utf8'));
}

/** What the client asked for, independent of the event shape that carries it. */
export interface HttpRequest {
  readonly method?: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Send the body base64-encoded, as API Gateway and ALB do for binary media types. */
  readonly base64?: boolean;
}

/** The AWS sample event of `kind`, changed to carry `request`. */
export function eventFor(kind: EventKind, request: HttpRequest): Json {
  const event = fixture(kind);
  const method = request.method ?? 'GET';
  const query = request.query ?? {};
  const headers = request.headers ?? {};
  const hasQuery = Object.keys(query).length > 0;
  const body =
    request.body === undefined
      ? null
      : request.base64
        ? Buffer.from(request.body).toString('base64')
        : request.body;
  event.body = body;
  event.isBase64Encoded = request.base64 === true;
  switch (kind) {
    case 'rest-v1':
      event.httpMethod = method;
      event.path = request.path;
      event.requestContext.httpMethod = method;
      event.requestContext.path = `/${event.requestContext.stage}${request.path}`;
      event.pathParameters = { proxy: request.path.slice(1) };
      event.queryStringParameters = hasQuery ? { ...query } : null;
      event.multiValueQueryStringParameters = hasQuery
        ? Object.fromEntries(Object.entries(query).map(([key, value]) => [key, [value]]))
        : null;
      for (const [name, value] of Object.entries(headers)) {
        event.headers[name] = value;
        event.multiValueHeaders[name] = [value];
      }
      break;
    case 'http-v2':
      event.rawPath = request.path;
      event.requestContext.http.method = method;
      event.requestContext.http.path = request.path;
      event.rawQueryString = new URLSearchParams(query).toString();
      event.queryStringParameters = hasQuery ? { ...query } : undefined;
      Object.assign(event.headers, headers);
      break;
    case 'alb':
      event.httpMethod = method;
      event.path = request.path;
      // The ALB passes query values as the client sent them (still URL-encoded).
      event.queryStringParameters = Object.fromEntries(
        Object.entries(query).map(([key, value]) => [encodeURIComponent(key), encodeURIComponent(value)]),
      );
      Object.assign(event.headers, headers);
      break;
    case 'alb-multi-value':
      event.httpMethod = method;
      event.path = request.path;
      event.multiValueQueryStringParameters = Object.fromEntries(
        Object.entries(query).map(([key, value]) => [encodeURIComponent(key), [encodeURIComponent(value)]]),
      );
      for (const [name, value] of Object.entries(headers)) event.multiValueHeaders[name] = [value];
      break;
  }
  return event;
}

/** A Lambda proxy result, whichever header style it uses. */
export interface LambdaResult {
  readonly statusCode: number;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  readonly headers?: Record<string, string | string[]>;
  readonly multiValueHeaders?: Record<string, string[]>;
}

export function resultHeader(result: LambdaResult, name: string): string | undefined {
  const single = result.headers?.[name];
  if (single !== undefined) return Array.isArray(single) ? single.join(', ') : single;
  return result.multiValueHeaders?.[name]?.join(', ');
}

export function resultBody(result: LambdaResult): string {
  return result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
}
