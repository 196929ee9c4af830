import { describe, expect, it } from 'vitest';
import type { AwsRegion } from '../../../../config/index.ts';
import type { RegionalEndpoint } from '../../../../lib/constructs/traffic/names.ts';
import { endpointWeights } from '../../../../lib/constructs/traffic/weights.ts';

const OTHERS: AwsRegion[] = [
  'eu-west-1',
  'us-west-2',
  'ap-southeast-2',
  'eu-central-1',
  'us-east-2',
  'ca-central-1',
];
const at = (region: AwsRegion, engine: RegionalEndpoint['engine'] = 'asg'): RegionalEndpoint => ({
  engine,
  region,
});

/** Each endpoint's share of the answers, as Route 53 gives them: its weight over the sum. */
function shares(endpoints: RegionalEndpoint[]) {
  const weighted = endpointWeights(endpoints, 'us-east-1');
  const total = weighted.reduce((sum, e) => sum + e.weight, 0);
  return {
    weighted,
    share: (e: RegionalEndpoint) =>
      (weighted.find((w) => w.engine === e.engine && w.region === e.region)?.weight ?? 0) / total,
  };
}

describe('endpointWeights', () => {
  const cases = [1, 2, 3, 4, 5, 6].flatMap((others) => [1, 2].map((atHome) => ({ others, atHome })));
  it.each(cases)(
    'DNS-1: $atHome endpoint(s) at home and $others other region(s): half to the home region, the rest even',
    ({ others, atHome }) => {
      const home = [at('us-east-1', 'fleet'), at('us-east-1', 'asg')].slice(0, atHome);
      const away = OTHERS.slice(0, others).map((r) => at(r));
      const { weighted, share } = shares([...home, ...away]);
      expect(home.reduce((s, e) => s + share(e), 0)).toBeCloseTo(0.5, 10);
      for (const e of away) expect(share(e)).toBeCloseTo(0.5 / others, 10);
      for (const e of home) expect(share(e)).toBeCloseTo(0.5 / atHome, 10);
      for (const w of weighted) {
        expect(Number.isInteger(w.weight)).toBe(true);
        expect(w.weight).toBeGreaterThanOrEqual(1);
        expect(w.weight).toBeLessThanOrEqual(255);
      }
    },
  );

  it('DNS-1: the default topology: fleet and ASG share the home half, four regions an eighth each', () => {
    const endpoints = [
      at('us-east-1', 'fleet'),
      at('us-east-1', 'asg'),
      at('eu-central-1'),
      at('eu-west-1', 'beanstalk'),
      at('us-west-2', 'ecs'),
      at('ap-southeast-2', 'serverless'),
    ];
    expect(endpointWeights(endpoints, 'us-east-1').map((e) => e.weight)).toEqual([2, 2, 1, 1, 1, 1]);
  });

  it('DNS-1: a lone region takes everything; no home endpoint splits evenly', () => {
    expect(endpointWeights([at('us-east-1')], 'us-east-1').map((e) => e.weight)).toEqual([1]);
    expect(endpointWeights([at('eu-west-1'), at('us-west-2')], 'us-east-1').map((e) => e.weight)).toEqual([
      1, 1,
    ]);
  });
});
