/** One statement of an IAM policy document, as a template holds it. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly Principal?: unknown;
}

/** A request as the evaluator sees it: the action, the resource ARN and the context keys set. */
export interface PolicyRequest {
  readonly action: string;
  /** @default '*' */
  readonly resource?: string;
  /** Condition keys present in the request (absent keys fail every operator but the negated ones). */
  readonly context?: Readonly<Record<string, string | boolean>>;
}

/** IAM's answer: an explicit deny wins, then an allow; nothing matching is an implicit deny. */
export type Decision = 'allow' | 'deny' | 'implicit deny';

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM wildcards: `*` any run of characters, `?` one; case-insensitive for actions. */
function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

const OPERATORS: Readonly<Record<string, (expected: string, actual: string) => boolean>> = {
  StringEquals: (e, a) => e === a,
  StringLike: (e, a) => wildcard(e, a, false),
  ArnEquals: (e, a) => e === a,
  ArnLike: (e, a) => wildcard(e, a, false),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
};

function conditionHolds(operator: string, key: string, expected: unknown, request: PolicyRequest): boolean {
  // A request here carries one value per key, so ForAnyValue:X (any request value matches) is X, and
  // false when the key is absent, as IAM has it.
  const single = operator.replace(/^ForAnyValue:/, '');
  const negated = single.startsWith('StringNot') || single.startsWith('ArnNot');
  const positive = negated ? single.replace('Not', '') : single;
  const compare = OPERATORS[positive];
  if (compare === undefined) throw new Error(`condition operator ${operator} is not evaluated here`);
  const actual = request.context?.[key];
  const matches = actual !== undefined && list(expected).some((e) => compare(String(e), String(actual)));
  return negated ? !matches : matches;
}

function statementApplies(s: PolicyStatement, request: PolicyRequest): boolean {
  const resource = request.resource ?? '*';
  const actionMatches =
    s.NotAction !== undefined
      ? !list(s.NotAction).some((a) => wildcard(String(a), request.action, true))
      : list(s.Action).some((a) => wildcard(String(a), request.action, true));
  if (!actionMatches) return false;
  const resources = list(s.Resource ?? '*');
  if (!resources.some((r) => typeof r === 'string' && wildcard(r, resource, false))) return false;
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, request)),
  );
}

/** What `statements` decide for `request`, by IAM's rule: explicit deny, then allow, else implicit deny. */
export function evaluate(statements: readonly PolicyStatement[], request: PolicyRequest): Decision {
  const applying = statements.filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === 'Deny')) return 'deny';
  return applying.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit deny';
}
