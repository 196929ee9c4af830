import * as z from 'zod/mini';

/** What the deploying stack tells the hook, read on the first event. */
export interface HookSettings {
  /** The ALB's test listener, origin only, e.g. `http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080`. */
  readonly testEndpoint: string;
  /** What every answer must report as its engine (`GET /info`). @default 'ecs' */
  readonly expectedEngine: string;
  /** How many times each route is requested. @default 3 */
  readonly requestsPerRoute: number;
  /** How long one request may take, connection included. @default 5000 */
  readonly requestTimeoutMs: number;
  /** The header the test listener's rule requires (`name: value`), sent with every request. */
  readonly testHeader?: { readonly name: string; readonly value: string };
}

export const DEFAULT_REQUESTS_PER_ROUTE = 3;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

function integer(min: number, max: number) {
  const error = `must be an integer between ${min} and ${max}`;
  return z
    .pipe(z.string().check(z.regex(/^\d{1,6}$/, { error })), z.transform(Number))
    .check(z.refine((value) => value >= min && value <= max, { error }));
}

// Origin only: the checked paths are absolute, so a path here would be silently dropped by URL resolution
// and the hook would test something other than what the stack meant.
function isListenerOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === ''
  );
}

const environmentSchema = z.object({
  TEST_ENDPOINT: z.string({ error: 'is required: the http(s) URL of the load balancer test listener' }).check(
    z.refine(isListenerOrigin, {
      error:
        'must be the http(s) URL of the load balancer test listener, without a path, e.g. http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080',
    }),
  ),
  EXPECTED_ENGINE: z.optional(
    z.string().check(z.regex(/^[\w.:/@+-]{1,128}$/, { error: 'must be an engine label such as ecs' })),
  ),
  // More than a handful would only slow the hook: the point is to catch a draining old task, which
  // round-robin puts in front of the second or third request already.
  REQUESTS_PER_ROUTE: z.optional(integer(1, 20)),
  REQUEST_TIMEOUT_MS: z.optional(integer(100, 60_000)),
  // The stack's test listener answers only requests carrying its header, to keep an untested version off
  // the public.
  TEST_HEADER: z.optional(
    z.string().check(
      z.regex(/^[A-Za-z0-9-]{1,64}: [\x21-\x7e]{1,128}$/, {
        error: 'must be one header as "name: value", e.g. x-hello-test-traffic: 3f9a…',
      }),
    ),
  ),
});

/** Validates the environment, naming every missing or malformed variable at once. */
export function readHookSettings(environment: NodeJS.ProcessEnv): HookSettings {
  // An empty variable means the same as an unset one, as in the service's own settings.
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(given);
  if (!parsed.success) {
    throw new Error(`ecs-test-traffic-hook: invalid environment\n${z.prettifyError(parsed.error)}`);
  }
  const variables = parsed.data;
  return {
    testEndpoint: new URL(variables.TEST_ENDPOINT).origin,
    expectedEngine: variables.EXPECTED_ENGINE ?? 'ecs',
    requestsPerRoute: variables.REQUESTS_PER_ROUTE ?? DEFAULT_REQUESTS_PER_ROUTE,
    requestTimeoutMs: variables.REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(variables.TEST_HEADER === undefined ? {} : { testHeader: splitHeader(variables.TEST_HEADER) }),
  };
}

function splitHeader(header: string): { name: string; value: string } {
  const at = header.indexOf(': ');
  return { name: header.slice(0, at).toLowerCase(), value: header.slice(at + 2) };
}
