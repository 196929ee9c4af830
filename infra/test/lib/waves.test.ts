import { describe, expect, it } from 'vitest';
import { deployWaves } from '../../lib/waves.ts';

describe('deployWaves', () => {
  it('OPS-5: puts each stack one wave after the last stack it depends on', () => {
    const waves = deployWaves([
      { name: 'Engine', dependsOn: ['Foundation', 'Data'] },
      { name: 'Data', dependsOn: ['Foundation'] },
      { name: 'Foundation', dependsOn: [] },
      { name: 'Recovery', dependsOn: [] },
      { name: 'Edge', dependsOn: ['Engine'] },
    ]);
    expect(Object.fromEntries(waves)).toEqual({ Foundation: 1, Recovery: 1, Data: 2, Engine: 3, Edge: 4 });
  });

  it('ignores dependencies on artifacts that are not stacks', () => {
    expect(deployWaves([{ name: 'A', dependsOn: ['A.assets'] }]).get('A')).toBe(1);
  });

  it('refuses a cycle, naming the stacks in it', () => {
    expect(() =>
      deployWaves([
        { name: 'A', dependsOn: ['B'] },
        { name: 'B', dependsOn: ['A'] },
        { name: 'C', dependsOn: [] },
      ]),
    ).toThrow(/cycle among A, B/);
  });
});
