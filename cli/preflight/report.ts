// The preflight's rows, how a failed AWS call becomes one, and the table they print as.

/** `BLOCKER`: the deploy would fail or the estate would not keep its promises; `warn`: look, then decide. */
export type Status = 'ok' | 'warn' | 'BLOCKER';

/** One line of the preflight table. */
export interface Row {
  /** What is checked, e.g. `identity`, `bootstrap`, `quota: EC2 vCPUs`. */
  readonly check: string;
  /** `primary 123456789012`, `primary us-east-1`, or `estate`. */
  readonly scope: string;
  readonly status: Status;
  /** What was found, with the numbers compared. */
  readonly detail: string;
  /** What to do about it; empty when nothing is to be done. */
  readonly fix: string;
}

/** A row for `check` in `scope`. */
export function row(check: string, scope: string, status: Status, detail: string, fix = ''): Row {
  return { check, scope, status, detail, fix };
}

// Error names the AWS APIs use for a refused authorization.
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
  'UnauthorizedException',
]);

/** The error an AWS call failed with, as the SDK names it. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** True for an authorization refusal, whatever the service calls it. */
export function isAccessDenied(error: unknown): boolean {
  return DENIED.has(errorName(error));
}

/** How a check that could not finish is reported. */
export interface ProbeOptions {
  readonly check: string;
  readonly scope: string;
  /** The IAM actions the probe calls, named when AWS refuses one. */
  readonly permissions: readonly string[];
  /** Status of a probe that failed for another reason than a refusal. @default 'warn' */
  readonly failure?: Status;
}

/**
 * Runs one probe; an AWS error becomes a row rather than an exception, so one refused call never hides the
 * other checks. A refusal names the action the message names, else every action the probe needs.
 */
export async function probe(options: ProbeOptions, body: () => Promise<Row[]>): Promise<Row[]> {
  try {
    return await body();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (isAccessDenied(error)) {
      const named = options.permissions.find((p) => text.includes(p));
      const missing = named === undefined ? options.permissions.join(', ') : named;
      return [
        row(
          options.check,
          options.scope,
          'warn',
          `not checked: ${missing} was refused`,
          `allow ${missing} to these credentials (the ReadOnlyAccess managed policy has it)`,
        ),
      ];
    }
    const name = errorName(error);
    const detail = name === '' || text.startsWith(name) ? text : `${name}: ${text}`;
    return [row(options.check, options.scope, options.failure ?? 'warn', `not checked: ${detail}`)];
  }
}

const HEADER = ['check', 'scope', 'status', 'detail', 'fix'] as const;

/** The rows as a plain-text table, columns padded. */
export function formatRows(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.check, r.scope, r.status, r.detail, r.fix]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** `3 blockers, 2 warnings, 25 ok`. */
export function summaryLine(rows: readonly Row[]): string {
  const count = (s: Status) => rows.filter((r) => r.status === s).length;
  const blockers = count('BLOCKER');
  const warnings = count('warn');
  const verdict = blockers > 0 ? 'fix the blockers before the first deploy' : 'ready to deploy';
  return `${blockers} blocker${blockers === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${count('ok')} ok: ${verdict}`;
}

/** 1 when any row is a blocker, else 0. */
export function exitCode(rows: readonly Row[]): number {
  return rows.some((r) => r.status === 'BLOCKER') ? 1 : 0;
}
