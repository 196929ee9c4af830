import { randomBytes } from 'node:crypto';
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { type ContractRoute, oneLine, quote, SERVICE_CONTRACT } from '../shared/smoke.ts';
import type { HookSettings } from './settings.ts';

/** What one smoke check found. */
export interface CheckResult {
  /** `GET /health`, say. */
  readonly route: string;
  readonly passed: boolean;
  /** One line saying why the check failed, starting with the route. */
  readonly reason?: string;
  /** The status the version answered, when it answered at all. */
  readonly statusCode?: number;
  readonly durationMs: number;
}

/** The clients and the clock the checks use. */
export interface CheckDependencies {
  readonly lambda: LambdaClient;
  readonly now?: () => Date;
  /** Aborted when the hook must stop waiting and report; its reason becomes the failure. */
  readonly signal?: AbortSignal;
}

interface Answer {
  readonly statusCode: number;
  readonly body: string;
}

/** The routes the hook requests, in the order it reports them. */
export const CHECKED_ROUTES: readonly string[] = SERVICE_CONTRACT.map((route) => `GET ${route.path}`);

/**
 * Invokes the target version once per route, concurrently, and judges each answer on its own: one failed
 * route neither hides nor stops the others, so the verdict names every broken route at once.
 */
export async function runSmokeChecks(
  settings: HookSettings,
  dependencies: CheckDependencies,
): Promise<CheckResult[]> {
  return Promise.all(SERVICE_CONTRACT.map((route) => runCheck(route, settings, dependencies)));
}

async function runCheck(
  check: ContractRoute,
  settings: HookSettings,
  { lambda, now = () => new Date(), signal }: CheckDependencies,
): Promise<CheckResult> {
  const route = `GET ${check.path}`;
  const start = performance.now();
  const finish = (reason: string | undefined, statusCode?: number): CheckResult => ({
    route,
    passed: reason === undefined,
    ...(reason === undefined ? {} : { reason: oneLine(`${route}: ${reason}`) }),
    ...(statusCode === undefined ? {} : { statusCode }),
    durationMs: Math.round((performance.now() - start) * 100) / 100,
  });

  let response: InvokeCommandOutput;
  try {
    const invocation = lambda.send(
      new InvokeCommand({
        FunctionName: settings.targetFunctionArn,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(httpApiEvent(settings, check.path, now()))),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    // Racing the signal as well: an SDK or a test double that ignores abortSignal must not hold the hook.
    response = await (signal === undefined ? invocation : Promise.race([invocation, rejectOnAbort(signal)]));
  } catch (error) {
    return finish(`the invocation failed (${describeError(error)})`);
  }

  const payload = decode(response.Payload);
  if (response.FunctionError !== undefined) {
    return finish(`the function failed (${response.FunctionError}): ${functionErrorSummary(payload)}`);
  }
  if (response.StatusCode !== 200) {
    return finish(`Invoke answered status ${response.StatusCode ?? 'none'}, expected 200`);
  }
  if (response.ExecutedVersion !== undefined && response.ExecutedVersion !== settings.targetVersion) {
    return finish(`version ${response.ExecutedVersion} answered, expected ${settings.targetVersion}`);
  }
  const answer = readProxyResult(payload);
  if (typeof answer === 'string') return finish(answer);
  return finish(check.verify(answer, settings.expectedEngine), answer.statusCode);
}

/**
 * The request an HTTP API (payload format 2.0) passes for `GET <path>` on its `$default` stage, as AWS
 * documents it. No API sits between the hook and the version, so the API id and the source address are
 * stand-ins; the handler must take this event exactly as it takes the API's.
 */
export function httpApiEvent(settings: HookSettings, path: string, at: Date): APIGatewayProxyEventV2 {
  const apiId = 'pretraffic';
  const domainName = `${apiId}.execute-api.${settings.targetRegion}.amazonaws.com`;
  const userAgent = 'hello-devops-pre-traffic-hook';
  const sourceIp = '127.0.0.1';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: '*/*',
      host: domainName,
      'user-agent': userAgent,
      'x-forwarded-for': sourceIp,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: settings.targetAccount,
      apiId,
      domainName,
      domainPrefix: apiId,
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp, userAgent },
      requestId: randomBytes(11).toString('base64'),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(at),
      timeEpoch: at.getTime(),
    },
    isBase64Encoded: false,
  };
}

// What API Gateway itself insists on before it passes an answer to a client: a proxy result whose
// status is a number it can send. A bare value would be sent as a 200 JSON body by an HTTP API, but the
// service never answers that way, so here it means the version is broken.
const proxyResultSchema = z.object({
  statusCode: z.int().check(z.gte(100), z.lte(599)),
  body: z.optional(z.nullable(z.string())),
  isBase64Encoded: z.optional(z.boolean()),
});

function readProxyResult(payload: string): Answer | string {
  if (payload === '') return 'the function returned no payload, expected an API Gateway proxy result';
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return `the function returned ${quote(payload)}, not JSON`;
  }
  const parsed = proxyResultSchema.safeParse(value);
  if (!parsed.success) {
    return `the function returned ${quote(payload)}, not an API Gateway proxy result with a statusCode`;
  }
  const { statusCode, body, isBase64Encoded } = parsed.data;
  const text = body ?? '';
  return { statusCode, body: isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text };
}

/** The Lambda runtime's error document (`errorType`, `errorMessage`), else the payload as it is. */
function functionErrorSummary(payload: string): string {
  try {
    const error = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof error.errorType === 'string' || typeof error.errorMessage === 'string') {
      return `${String(error.errorType ?? 'Error')}: ${String(error.errorMessage ?? '')}`;
    }
  } catch {
    // not the runtime's document: show it raw
  }
  return quote(payload);
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function decode(payload: Uint8Array | undefined): string {
  return payload === undefined ? '' : new TextDecoder().decode(payload);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `10/Mar/2020:05:16:23 +0000`, the form of `requestContext.time`. */
function clfTime(at: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`
  );
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
