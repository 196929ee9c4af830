import type { Claim, Requirement } from './catalogue.ts';
import type { RunTest } from './report.ts';
import type { TestCase } from './source.ts';

/** An id as the sources tell it: the tests written to prove it (none skipped). */
export interface SourceEntry {
  readonly id: string;
  readonly claim: Claim;
  readonly tests: readonly TestCase[];
  /** Tests that carry the id but are written `.skip` or `.todo`: they prove nothing. */
  readonly skipped: readonly TestCase[];
  readonly partial: string | undefined;
}

export interface SourceTrace {
  readonly entries: readonly SourceEntry[];
  /** Tests whose ids the catalogue does not know: a typo would otherwise prove nothing silently. */
  readonly unknown: readonly TestCase[];
}

/** What the sources claim per id, in catalogue order. */
export function traceSources(catalogue: readonly Requirement[], tests: readonly TestCase[]): SourceTrace {
  const known = new Set(catalogue.map((requirement) => requirement.id));
  const entries = catalogue.map((requirement): SourceEntry => {
    const carrying = tests.filter((test) => test.ids.includes(requirement.id));
    const written = carrying.filter((test) => !test.skipped);
    const claim: Claim = written.length === 0 ? 'no test' : requirement.partial ? 'partial' : 'has tests';
    return {
      id: requirement.id,
      claim,
      tests: written,
      skipped: carrying.filter((test) => test.skipped),
      partial: requirement.partial,
    };
  });
  const unknown = tests.filter((test) => test.ids.some((id) => !known.has(id)));
  return { entries, unknown };
}

export type RunStatus = 'proven' | 'partial' | 'unproven';

/** An id as one test run tells it: only tests that passed prove it. */
export interface RunEntry {
  readonly id: string;
  readonly status: RunStatus;
  readonly passed: readonly RunTest[];
  /** Tests that carry the id and failed, were skipped or were left todo. */
  readonly notPassed: readonly RunTest[];
  readonly partial: string | undefined;
  /** What the catalogue's generated section says of the id (`no test` when it does not list it). */
  readonly claim: Claim;
}

export interface RunTrace {
  readonly entries: readonly RunEntry[];
  readonly unknown: readonly RunTest[];
  /** Ids the catalogue lists as tested (whole or partial) that no passing test proves in this run. */
  readonly broken: readonly RunEntry[];
}

/** What one run proves per id, held against what the catalogue claims. */
export function traceRun(
  catalogue: readonly Requirement[],
  claims: ReadonlyMap<string, Claim>,
  run: readonly RunTest[],
): RunTrace {
  const known = new Set(catalogue.map((requirement) => requirement.id));
  const entries = catalogue.map((requirement): RunEntry => {
    const carrying = run.filter((test) => test.ids.includes(requirement.id));
    const passed = carrying.filter((test) => test.status === 'passed');
    const status: RunStatus = passed.length === 0 ? 'unproven' : requirement.partial ? 'partial' : 'proven';
    return {
      id: requirement.id,
      status,
      passed,
      notPassed: carrying.filter((test) => test.status !== 'passed'),
      partial: requirement.partial,
      claim: claims.get(requirement.id) ?? 'no test',
    };
  });
  const unknown = run.filter((test) => test.ids.some((id) => !known.has(id)));
  const broken = entries.filter((entry) => entry.claim !== 'no test' && entry.status === 'unproven');
  return { entries, unknown, broken };
}
