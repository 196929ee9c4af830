import { type ContractRoute, oneLine, readInfo, SERVICE_CONTRACT } from '../shared/smoke.ts';
import type { HookSettings } from './settings.ts';

/** What one check found. */
export interface CheckResult {
  /** `GET /health`, say, or `one revision` for the check across every answer. */
  readonly check: string;
  readonly passed: boolean;
  /** One line saying why the check failed, starting with the check's name. */
  readonly reason?: string;
  /** How many requests the check judged. */
  readonly requests: number;
  /** The statuses answered, in request order; absent for requests that got no answer. */
  readonly statusCodes?: readonly number[];
  /** For `one revision`: how many answers each version gave. */
  readonly versions?: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** How the checks reach the test listener. */
export interface CheckDependencies {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Aborted when the hook must stop waiting and answer ECS; its reason becomes the failure. */
  readonly signal?: AbortSignal;
}

/** The name of the check that every answer came from one version. */
export const ONE_REVISION_CHECK = 'one revision';

interface Answer {
  readonly statusCode: number;
  readonly body: string;
  /** `x-served-by-version`, which the service sets on every answer. */
  readonly servedByVersion: string | undefined;
}

type Outcome = { readonly answer: Answer } | { readonly error: string };

/** The checks the hook reports, in order. */
export const CHECK_NAMES: readonly string[] = [
  ...SERVICE_CONTRACT.map((route) => `GET ${route.path}`),
  ONE_REVISION_CHECK,
];

/**
 * Requests every route `requestsPerRoute` times, all at once, and judges each answer on its own: a test
 * listener can still hold a draining task of the old revision next to the new ones, so one good answer
 * proves nothing about the next. Then checks that every answer, whatever its route, came from the same
 * version. One failed route neither hides nor stops the others, so the verdict names every problem at once.
 */
export async function runTestTrafficChecks(
  settings: HookSettings,
  dependencies: CheckDependencies = {},
): Promise<CheckResult[]> {
  const start = performance.now();
  const perRoute = await Promise.all(
    SERVICE_CONTRACT.map(async (route) => {
      const routeStart = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: settings.requestsPerRoute }, () => request(route.path, settings, dependencies)),
      );
      return { route, outcomes, durationMs: elapsed(routeStart) };
    }),
  );
  const results = perRoute.map(({ route, outcomes, durationMs }) =>
    judgeRoute(route, outcomes, settings, durationMs),
  );
  results.push(judgeOneRevision(perRoute, elapsed(start)));
  return results;
}

async function request(
  path: string,
  settings: HookSettings,
  dependencies: CheckDependencies,
): Promise<Outcome> {
  const fetchImpl = dependencies.fetch ?? globalThis.fetch;
  const perRequest = AbortSignal.timeout(settings.requestTimeoutMs);
  const signal =
    dependencies.signal === undefined ? perRequest : AbortSignal.any([perRequest, dependencies.signal]);
  try {
    const response = await fetchImpl(new URL(path, settings.testEndpoint), {
      method: 'GET',
      // A redirect is an answer of the listener (a misconfigured rule, say), not something to follow.
      redirect: 'manual',
      headers: {
        accept: '*/*',
        'user-agent': 'hello-devops-ecs-test-traffic-hook',
        ...(settings.testHeader === undefined
          ? {}
          : { [settings.testHeader.name]: settings.testHeader.value }),
      },
      signal,
    });
    const body = await response.text();
    return {
      answer: {
        statusCode: response.status,
        body,
        servedByVersion: response.headers.get('x-served-by-version') ?? undefined,
      },
    };
  } catch (error) {
    if (perRequest.aborted && !dependencies.signal?.aborted) {
      return { error: `no answer within ${settings.requestTimeoutMs} ms` };
    }
    if (dependencies.signal?.aborted) return { error: describeError(dependencies.signal.reason) };
    return { error: `the request failed (${describeError(error)})` };
  }
}

function judgeRoute(
  route: ContractRoute,
  outcomes: readonly Outcome[],
  settings: HookSettings,
  durationMs: number,
): CheckResult {
  const check = `GET ${route.path}`;
  const problems = outcomes.flatMap((outcome) => {
    const problem =
      'error' in outcome ? outcome.error : route.verify(outcome.answer, settings.expectedEngine);
    return problem === undefined ? [] : [problem];
  });
  const statusCodes = outcomes.flatMap((outcome) => ('answer' in outcome ? [outcome.answer.statusCode] : []));
  return {
    check,
    passed: problems.length === 0,
    ...(problems.length === 0
      ? {}
      : {
          reason: oneLine(
            `${check}: ${problems.length} of ${outcomes.length} requests failed: ${summarize(problems)}`,
          ),
        }),
    requests: outcomes.length,
    statusCodes,
    durationMs,
  };
}

/**
 * The version of each answer: `/info`'s own `version` where it has one, else the `x-served-by-version`
 * header the service puts on every answer. An answer that names none (an error page of the load
 * balancer, say) is left to its route's check.
 */
function judgeOneRevision(
  perRoute: readonly { route: ContractRoute; outcomes: readonly Outcome[] }[],
  durationMs: number,
): CheckResult {
  const versions: Record<string, number> = {};
  let requests = 0;
  for (const { route, outcomes } of perRoute) {
    for (const outcome of outcomes) {
      requests++;
      if (!('answer' in outcome)) continue;
      const fromInfo = route.path === '/info' ? readInfo(outcome.answer.body)?.version : undefined;
      const version = typeof fromInfo === 'string' ? fromInfo : outcome.answer.servedByVersion;
      if (version !== undefined) versions[version] = (versions[version] ?? 0) + 1;
    }
  }
  const seen = Object.keys(versions).sort();
  const reason =
    seen.length === 0
      ? `${ONE_REVISION_CHECK}: no answer named the version that served it`
      : seen.length > 1
        ? `${ONE_REVISION_CHECK}: answers came from ${seen.length} versions (` +
          seen.map((version) => `${JSON.stringify(version)} ×${versions[version]}`).join(', ') +
          '): a task of another revision still takes test traffic'
        : undefined;
  return {
    check: ONE_REVISION_CHECK,
    passed: reason === undefined,
    ...(reason === undefined ? {} : { reason: oneLine(reason) }),
    requests,
    versions,
    durationMs,
  };
}

/** Identical problems once, with how often they happened, so three timeouts read as one line. */
function summarize(problems: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const problem of problems) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  return [...counts].map(([problem, count]) => (count > 1 ? `${problem} (×${count})` : problem)).join('; ');
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}

/** `TypeError: fetch failed (ECONNREFUSED ...)`: undici hides the socket error in `cause`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const detail =
    cause instanceof Error
      ? ` (${(cause as NodeJS.ErrnoException).code ?? cause.name}: ${cause.message})`
      : '';
  return `${error.name}: ${error.message}${detail}`;
}
