import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../infra/config/index.ts';
import { estateTemplates } from '../../../infra/test/support/estate.ts';
import type { SynthesizedStack } from '../../estate-templates.ts';
import {
  formatPlan,
  type PlanInput,
  stackOrder,
  type TeardownPlan,
  teardownPlan,
} from '../../teardown/plan.ts';

const defaults = parseConfig({}, 'defaults');

let stacks: SynthesizedStack[];
let plan: TeardownPlan;

beforeAll(() => {
  // The default estate, synthesized once for the test run (infra/test/support/global-setup.ts).
  stacks = estateTemplates(defaults.profile);
  plan = teardownPlan(stacks, defaults);
});

/** `stack/logicalId` of every resource whose DeletionPolicy keeps something, read from the templates. */
function keptInTemplates(input: readonly SynthesizedStack[]): string[] {
  return input.flatMap((s) =>
    Object.entries((s.template.Resources ?? {}) as Record<string, { DeletionPolicy?: string }>)
      .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'Snapshot')
      .map(([id]) => `${s.name}/${id}`),
  );
}

describe('the teardown plan of the default estate', () => {
  it('OPS-5: every stack is deleted after every stack that depends on it', () => {
    const order = stackOrder(plan).map((s) => s.name);
    expect(order).toHaveLength(stacks.length);
    expect(new Set(order)).toEqual(new Set(stacks.map((s) => s.name)));
    const dependencies = stacks.flatMap((s) => s.dependsOn.map((d) => [s.name, d] as const));
    expect(dependencies.length).toBeGreaterThan(10);
    for (const [dependent, dependency] of dependencies) {
      expect(order.indexOf(dependent), `${dependent} before ${dependency}`).toBeLessThan(
        order.indexOf(dependency),
      );
    }
  });

  it('OPS-5: the waves run from the last deploy wave to the first, foundations last', () => {
    const numbers = plan.waves.map((w) => w.wave);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(numbers.at(-1)).toBe(1);
    // Every stack that others build on is deleted after them; the stacks of the first deploy wave that
    // nothing builds on (the DNS zone, the recovery account's image role) may go with the foundations.
    const last = plan.waves.at(-1)?.stacks.map((s) => s.name) ?? [];
    const foundations = plan.waves
      .flatMap((w) => w.stacks.map((s) => s.name))
      .filter((n) => n.includes('Foundation'));
    expect(foundations.length).toBeGreaterThan(5);
    expect(last).toEqual(expect.arrayContaining(foundations));
    expect(last).toContain('Hello-Recovery-Foundation-us-east-2');
  });

  it('GOV-6: every retained resource of every template is listed with its stack', () => {
    const listed = stackOrder(plan).flatMap((s) => s.retained.map((r) => `${s.name}/${r.logicalId}`));
    const expected = keptInTemplates(stacks);
    expect(expected.length).toBeGreaterThan(20);
    expect(listed.sort()).toEqual(expected.sort());
    for (const s of stackOrder(plan)) for (const r of s.retained) expect(r.stack).toBe(s.name);
  });

  it('GOV-6: buckets, keys, vaults and clusters are recognized, in both accounts', () => {
    const retained = stackOrder(plan).flatMap((s) => s.retained.map((r) => ({ ...r, role: s.role })));
    const find = (stack: string, kind: string) =>
      retained.filter((r) => r.stack === stack && r.kind === kind);
    expect(find('Hello-Recovery-Data-us-east-2', 'bucket')).toEqual([
      expect.objectContaining({ role: 'recovery', physicalName: 'hello-replica-222222222222-us-east-2' }),
    ]);
    expect(find('Hello-Parameters-us-east-1', 'bucket')).toEqual([
      expect.objectContaining({
        role: 'primary',
        physicalName: 'hello-parameter-exports-111111111111-us-east-1',
      }),
    ]);
    const foundations = stackOrder(plan).filter((s) => s.name.includes('Foundation'));
    for (const f of foundations) {
      expect(find(f.name, 'key'), f.name).toHaveLength(1);
      expect(find(f.name, 'bucket'), f.name).toHaveLength(1);
    }
    expect(find('Hello-Data-us-east-1', 'cluster')).toEqual([
      expect.objectContaining({
        deletionPolicy: 'Snapshot',
        physicalName: 'hello-us-east-1',
        deletionProtection: false,
      }),
    ]);
    expect(retained.filter((r) => r.kind === 'vault').length).toBeGreaterThanOrEqual(3);
    expect(plan.parameterCopies).toEqual({ role: 'primary', region: 'us-east-2', path: '/hello/' });
  });

  it('GOV-6: the printed plan names each retained resource under its stack, and how it goes', () => {
    const text = formatPlan(plan).split('\n');
    for (const s of stackOrder(plan)) {
      const at = text.findIndex((l) => l.trim().startsWith(`${s.name} `));
      expect(at, s.name).toBeGreaterThan(0);
      s.retained.forEach((r, i) => {
        expect(text[at + 1 + i]).toContain(r.logicalId);
      });
    }
    expect(formatPlan(plan)).toContain('parameter copies under /hello/');
  });
});

describe('the teardown plan of hand-made stacks', () => {
  const config = {
    appName: 'Hello',
    profile: 'production',
    accounts: { primary: '111111111111', recovery: '222222222222' },
    recoveryRegion: 'us-east-2',
  };
  const stack = (
    name: string,
    account: string,
    resources: Record<string, unknown>,
    dependsOn: string[] = [],
  ) =>
    ({
      name,
      account,
      region: 'us-east-1',
      dependsOn,
      template: { Resources: resources },
    }) satisfies PlanInput;

  it('GOV-6: anything retained of another type is listed to be left in place; a protected cluster is flagged', () => {
    const p = teardownPlan(
      [
        stack('A', '111111111111', {
          Secret: { Type: 'AWS::SecretsManager::Secret', DeletionPolicy: 'Retain' },
          Db: {
            Type: 'AWS::RDS::DBCluster',
            DeletionPolicy: 'Snapshot',
            Properties: { DBClusterIdentifier: 'db', DeletionProtection: true },
          },
          Gone: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Delete' },
        }),
      ],
      config,
    );
    const retained = stackOrder(p)[0]?.retained ?? [];
    expect(retained.map((r) => [r.logicalId, r.kind])).toEqual([
      ['Db', 'cluster'],
      ['Secret', 'other'],
    ]);
    expect(retained[0]?.deletionProtection).toBe(true);
    expect(formatPlan(p)).toMatch(/Secret .*left in place/);
    expect(formatPlan(p)).toMatch(/Db .*deletion protection on/);
  });

  it('OPS-5: a stack in neither account of the config is refused', () => {
    expect(() => teardownPlan([stack('A', '333333333333', {})], config)).toThrow(/neither the primary nor/);
  });
});
