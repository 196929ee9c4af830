import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ConstantAnswer,
  HEALTH_ANSWER,
  logRequest,
  type ResolvedDependencies,
  rootAnswer,
  servedByHeaders,
} from './app.ts';

/** Answers the request and returns true, or returns false and leaves it to the route table. */
export type WebFastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

// @hono/node-server's own test for a host it puts in the request URL as it is: any other host (upper
// case, a short port, a user part) it parses or refuses, so such a request goes through it.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * Plain `GET /` and `GET /health` answered on node:http directly, as Lambda mode's fast path does from
 * the event: through the route table each costs a web Request, a Hono context, a Response and a Headers
 * object to copy out again, about a third of the CPU of a request (measured with --cpu-prof under wrk:
 * 59 µs against 37 µs per request for the same bytes and log line). The status, body, headers (names,
 * values, order) and log line are those of the routes in app.ts; anything the adapter might treat
 * differently (HEAD, a query, another path spelling, a host it would parse or refuse) goes to Hono.
 * web-fast-path.test.ts holds the two paths byte for byte equal.
 */
export function createWebFastPath(deps: ResolvedDependencies): WebFastPath {
  // Sorted by name, as the adapter copies them out of the Response's Headers.
  const served = servedByHeaders(deps.settings.servedBy).sort(([a], [b]) => (a < b ? -1 : 1));
  const prepared = (answer: ConstantAnswer) => ({
    status: answer.status,
    body: answer.body,
    // Spelt as the adapter spells it; without a length node:http would send the body chunked.
    headers: [
      'content-type',
      answer.contentType,
      ...served.flat(),
      'Content-Length',
      String(Buffer.byteLength(answer.body)),
    ],
  });
  const answers = new Map([
    ['/', prepared(rootAnswer(deps.settings.faultMode))],
    ['/health', prepared(HEALTH_ANSWER)],
  ]);
  return (request, response) => {
    const path = request.url ?? '';
    const answer = request.method === 'GET' ? answers.get(path) : undefined;
    if (answer === undefined || !PLAIN_HOST.test(request.headers.host ?? '')) return false;
    const start = deps.now();
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    logRequest(deps, { method: 'GET', path, status: answer.status, start });
    return true;
  };
}
