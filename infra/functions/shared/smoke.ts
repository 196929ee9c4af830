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
