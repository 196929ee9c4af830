import { describe, expect, it } from 'vitest';
import { checkAssembly, formatFinding } from '../../../lib/rules/index.ts';
import { estate } from '../../support/estate.ts';

describe.each(['lab', 'production'] as const)('the default %s estate', (profile) => {
  it('SEC-3: passes every deploy-time rule, so a first deploy into fresh accounts does not fail on them', () => {
    const { stacks, outcome } = estate(profile);
    expect(outcome.failure).toBeUndefined();
    const started = performance.now();
    const findings = checkAssembly({ stacks }).map(formatFinding);
    const milliseconds = performance.now() - started;
    expect(findings).toEqual([]);
    expect(milliseconds).toBeLessThan(1000);
  });
});
