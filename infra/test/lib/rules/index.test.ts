import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAssembly, DEPLOY_TIME_RULES, formatFinding, rulesTable } from '../../../lib/rules/index.ts';
import { assembly, fn, stack } from './fixtures.ts';

describe('deploy-time rules table', () => {
  it('SEC-3: every rule has a unique DT- id, says what it checks and where the constraint comes from', () => {
    const ids = DEPLOY_TIME_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of DEPLOY_TIME_RULES) {
      expect(r.id).toMatch(/^DT-[A-Z0-9-]+$/);
      expect(r.what.length).toBeGreaterThan(20);
      expect(r.source.length).toBeGreaterThan(10);
    }
  });

  it('renders one Markdown row per rule', () => {
    const lines = rulesTable().split('\n');
    expect(lines.slice(0, 2)).toEqual(['| id | what it checks | source |', '|---|---|---|']);
    expect(lines.slice(2).map((l) => /^\| `([^`]+)` \|/.exec(l)?.[1])).toEqual(
      DEPLOY_TIME_RULES.map((r) => r.id),
    );
  });

  it('SEC-3: the README lists the rules the estate is checked against (the table rulesTable() renders)', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(rulesTable());
  });

  it('SEC-3: checkAssembly reports each broken rule once per resource, as "RULE stack/id: message"', () => {
    const broken = stack('S', { Fn: fn('Role', { ReservedConcurrentExecutions: 1, Runtime: 'nodejs18.x' }) });
    expect(checkAssembly(assembly(broken)).map(formatFinding)).toEqual([
      expect.stringMatching(/^DT-LAMBDA-RESERVED-CONCURRENCY S\/Fn: /),
      expect.stringMatching(/^DT-LAMBDA-RUNTIME S\/Fn: /),
    ]);
  });
});
