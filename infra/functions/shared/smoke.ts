// What the deployment hooks (Lambda pre-traffic, ECS test-traffic) share: how they judge an answer of the
// service and how they settle settings and log lines without ever failing to report.

/** One answer of the service: the status and the body as text. */
export interface SmokeAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/** Why `answer` is not `status`, or undefined. */
export function expectStatus(answer: SmokeAnswer, status: number): string | undefined {
  return answer.statusCode === status
    ? undefined
    : `expected status ${status}, got ${answer.statusCode} (${quote(answer.body)})`;
}

/** Why `answer` is not `status` with exactly `body`, or undefined. */
export function expectStatusAndBody(answer: SmokeAnswer, status: number, body: string): string | undefined {
  const wrongStatus = expectStatus(answer, status);
  if (wrongStatus !== undefined) return wrongStatus;
  return answer.body === body
    ? undefined
    : `expected body ${JSON.stringify(body)}, got ${quote(answer.body)}`;
}

/** A text as a JSON string, cut at 160 characters: enough to recognise, short enough for one log line. */
export function quote(text: string): string {
  const excerpt = text.length > 160 ? `${text.slice(0, 160)}…` : text;
  return JSON.stringify(excerpt);
}

/** A multi-line text (a zod report, a stack) on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * Settings given, or read once on first use: a hook reads them on its first event, so that a bad
 * environment becomes a reported failure instead of a crash at cold start that reports nothing. `known`
 * is what was read so far, for the log line of a failure (undefined when reading them failed).
 */
export function settingsOnce<S>(settings: S | (() => S)): { read: () => S; readonly known: S | undefined } {
  let known = typeof settings === 'function' ? undefined : settings;
  return {
    read: () => {
      known ??= (settings as () => S)();
      return known;
    },
    get known() {
      return known;
    },
  };
}

/** A JSON line logger over `sink` that never throws: a log line must not stand between checks and report. */
export function safeLog(sink: (line: string) => void = (line) => console.log(line)) {
  return (entry: Record<string, unknown>) => {
    try {
      sink(JSON.stringify(entry));
    } catch {
      // nothing better to do with a line that cannot be written
    }
  };
}

/** A route of the service and what each of its answers must be; `verify` returns what is wrong, if anything. */
export interface ContractRoute {
  readonly path: string;
  readonly verify: (answer: SmokeAnswer, expectedEngine: string) => string | undefined;
}

// The contract of service/src/app.ts as a client sees it. Only `/` is touched by the fault switch
// (FAULT_MODE=root-500), so a release with the switch on fails here before it takes traffic.
export const SERVICE_CONTRACT: readonly ContractRoute[] = [
  { path: '/', verify: (answer) => expectStatusAndBody(answer, 200, 'Hello, DevOps!') },
  { path: '/health', verify: (answer) => expectStatusAndBody(answer, 200, 'healthy') },
  {
    path: '/info',
    verify: (answer, expectedEngine) => {
      const wrongStatus = expectStatus(answer, 200);
      if (wrongStatus !== undefined) return wrongStatus;
      const info = readInfo(answer.body);
      if (info === undefined) return `expected a JSON object, got ${quote(answer.body)}`;
      if (info.engine === expectedEngine) return undefined;
      const got =
        info.engine === undefined
          ? 'no engine'
          : quote(typeof info.engine === 'string' ? info.engine : JSON.stringify(info.engine));
      return `expected engine ${JSON.stringify(expectedEngine)}, got ${got}`;
    },
  },
];

/** `GET /info`'s body as an object, or undefined when it is not one. */
export function readInfo(body: string): { version?: unknown; engine?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { version?: unknown; engine?: unknown })
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A signal aborted when the checks must stop so that the hook still has `reserveMs` to report before
 * its function times out; never aborted outside Lambda (no context, no limit). Call `clear` when done.
 */
function checkDeadline(
  context: { getRemainingTimeInMillis(): number } | undefined,
  reserveMs: number,
  then: string,
): { signal: AbortSignal; clear: () => void } {
  const deadline = new AbortController();
  if (context === undefined) return { signal: deadline.signal, clear: () => {} };
  const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - reserveMs);
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within ${budgetMs} ms, the time left to check and ${then}`)),
    budgetMs,
  );
  return { signal: deadline.signal, clear: () => clearTimeout(timer) };
}

/**
 * Runs the checks against the deadline of {@link checkDeadline}. Whatever goes wrong before they return
 * (settings that do not validate, a denied call) comes back as `error`, never as a throw, so the hook
 * still reports.
 */
export async function runBeforeDeadline<C>(
  context: { getRemainingTimeInMillis(): number } | undefined,
  reserveMs: number,
  then: string,
  run: (signal: AbortSignal) => Promise<C[]>,
  describe: (error: unknown) => string,
): Promise<{ checks: C[]; error?: string }> {
  const deadline = checkDeadline(context, reserveMs, then);
  try {
    return { checks: await run(deadline.signal) };
  } catch (thrown) {
    return { checks: [], error: describe(thrown) };
  } finally {
    deadline.clear();
  }
}
