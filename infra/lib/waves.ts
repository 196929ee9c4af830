/** A stack and the stacks it waits for. */
export interface StackNode {
  /** Stack name. */
  readonly name: string;
  /** Names of the stacks it depends on. */
  readonly dependsOn: readonly string[];
}

/**
 * Deploy waves from the dependency graph: wave 1 needs nothing, wave n needs only earlier waves; the
 * stacks of one wave deploy in parallel and destroy runs the waves backwards. Throws on a cycle.
 */
export function deployWaves(stacks: readonly StackNode[]): Map<string, number> {
  const known = new Set(stacks.map((s) => s.name));
  const waves = new Map<string, number>();
  let pending = stacks.map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => known.has(d)) }));
  for (let wave = 1; pending.length > 0; wave++) {
    const ready = pending.filter((s) => s.dependsOn.every((d) => (waves.get(d) ?? wave) < wave));
    if (ready.length === 0) {
      throw new Error(`dependency cycle among ${pending.map((s) => s.name).join(', ')}`);
    }
    for (const s of ready) waves.set(s.name, wave);
    pending = pending.filter((s) => !waves.has(s.name));
  }
  return waves;
}
