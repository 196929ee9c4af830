import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, primaryRegions } from '../../infra/config/index.ts';
import { type CostEstimate, type CostStackInput, estimateCost } from '../cost/estimate.ts';
import { loadPrices } from '../cost/prices.ts';
import { costOfHours, formatEstimate, WEEKEND_HOURS } from '../cost/render.ts';
import { synthesizeStacks } from '../estate-templates.ts';

const prices = loadPrices();
const synth = (overrides: Record<string, unknown>) => synthesizeStacks(parseConfig(overrides, 'test config'));
const stackOf = (estimate: CostEstimate, name: string) => {
  const found = estimate.stacks.find((s) => s.name === name);
  expect(found, name).toBeDefined();
  return found as CostEstimate['stacks'][number];
};
const unpricedOf = (estimate: CostEstimate) =>
  estimate.stacks.flatMap((s) => s.unpriced.map((u) => `${s.name} ${u.type}`));

describe('the cost of the estate', () => {
  let labStacks: CostStackInput[];
  let lab: CostEstimate;
  beforeAll(() => {
    labStacks = synth({});
    lab = estimateCost(labStacks, prices);
  });

  it('a lab weekend (60 h) costs at most $100, and every resource type of the lab is priced', () => {
    expect(unpricedOf(lab)).toEqual([]);
    expect(costOfHours(lab, WEEKEND_HOURS)).toBeGreaterThan(0);
    expect(costOfHours(lab, WEEKEND_HOURS)).toBeLessThanOrEqual(100);
  });

  it('production prices every resource type too, and costs more than the lab per hour', () => {
    const production = estimateCost(synth({ profile: 'production' }), prices);
    expect(unpricedOf(production)).toEqual([]);
    expect(production.normal).toBeGreaterThan(lab.normal);
  });

  it('one more instance in the fleet moves the estimate by one t3.micro and its 16 GB volume in us-east-1', () => {
    const more = estimateCost(
      synth({ ec2: { fleetInstances: DEFAULT_CONFIG.ec2.fleetInstances + 1 } }),
      prices,
    );
    const instance =
      (prices.regional.instanceHour['t3.micro']?.['us-east-1'] ?? 0) + (16 * prices.flat.ebsGp3GbMonth) / 730;
    expect(instance).toBeGreaterThan(0.0104);
    expect(more.normal - lab.normal).toBeCloseTo(instance, 9);
    expect(
      stackOf(more, 'Hello-Fleet-us-east-1').normal - stackOf(lab, 'Hello-Fleet-us-east-1').normal,
    ).toBeCloseTo(instance, 9);
  });

  it('a NAT gateway added to a template moves the estimate by the hourly NAT price of its region', () => {
    const edited = structuredClone(labStacks);
    const foundation = edited.find((s) => s.name === 'Hello-Foundation-eu-central-1');
    (foundation?.template.Resources as Record<string, unknown>).ExtraNat = {
      Type: 'AWS::EC2::NatGateway',
      Properties: {},
    };
    const more = estimateCost(edited, prices);
    expect(more.normal - lab.normal).toBeCloseTo(
      prices.regional.natGatewayHour['eu-central-1'] ?? Number.NaN,
      9,
    );
  });

  it('a region added to the ASG engine adds its foundation and ASG stacks, priced at that region', () => {
    const more = estimateCost(
      synth({ engines: { asg: { enabled: true, regions: ['us-east-1', 'eu-central-1', 'us-east-2'] } } }),
      prices,
    );
    const added = more.stacks.filter((s) => !lab.stacks.some((l) => l.name === s.name));
    expect(added.map((s) => s.name).sort()).toEqual(['Hello-Asg-us-east-2', 'Hello-Foundation-us-east-2']);
    expect(more.normal - lab.normal).toBeCloseTo(
      added.reduce((sum, s) => sum + s.normal, 0),
      9,
    );
    const nat = stackOf(more, 'Hello-Foundation-us-east-2').lines.filter(
      (l) => l.type === 'AWS::EC2::NatGateway',
    );
    expect(nat.map((l) => l.normal)).toEqual([prices.regional.natGatewayHour['us-east-2']]);
    const group = stackOf(more, 'Hello-Asg-us-east-2').lines.find(
      (l) => l.type === 'AWS::AutoScaling::AutoScalingGroup',
    );
    const each =
      (prices.regional.instanceHour['t3.micro']?.['us-east-2'] ?? 0) + (16 * prices.flat.ebsGp3GbMonth) / 730;
    expect(group).toMatchObject({ what: '5-20 × t3.micro + 16 GB gp3' });
    expect(group?.normal).toBeCloseTo(5 * each, 9);
    expect(group?.peak).toBeCloseTo(20 * each, 9);
  });

  it('a region the price table does not know leaves its NAT gateway, instances and balancer unpriced, never free', () => {
    const more = estimateCost(
      synth({
        regions: {
          'us-west-1': {
            availabilityZones: ['us-west-1a', 'us-west-1b', 'us-west-1c'],
            vpcCidr: '10.70.0.0/16',
          },
        },
        engines: { asg: { enabled: true, regions: ['us-east-1', 'eu-central-1', 'us-west-1'] } },
      }),
      prices,
    );
    expect(unpricedOf(more)).toEqual(
      expect.arrayContaining([
        'Hello-Foundation-us-west-1 AWS::EC2::NatGateway',
        'Hello-Asg-us-west-1 AWS::AutoScaling::AutoScalingGroup',
        'Hello-Asg-us-west-1 AWS::ElasticLoadBalancingV2::LoadBalancer',
      ]),
    );
    expect(formatEstimate(more, 'lab', false)).toMatch(/^Unpriced, NOT counted above/m);
  });

  it('a resource type the table does not know is listed as unpriced', () => {
    const edited = structuredClone(labStacks);
    (edited[0]?.template.Resources as Record<string, unknown>).Mystery = { Type: 'AWS::Mystery::Thing' };
    expect(unpricedOf(estimateCost(edited, prices))).toEqual([`${edited[0]?.name} AWS::Mystery::Thing`]);
  });

  it('the daily peak comes from the ASG schedule: 5 h at 20 instances', () => {
    expect(lab.peakHours).toBe(5);
    expect(lab.day).toBeCloseTo(lab.normal * 19 + lab.peak * 5, 9);
    expect(lab.peak).toBeGreaterThan(lab.normal);
  });

  it('after a teardown the final snapshots and the keys that encrypt them keep billing; other keys go after 7 days', () => {
    const kept = lab.leftovers
      .filter((l) => l.days === undefined)
      .map((l) => `${l.stack}: ${l.what.split(' (')[0]}`);
    expect(kept).toEqual(
      expect.arrayContaining([
        'Hello-Data-us-east-1: final snapshot of DatabaseCluster5B53A178',
        'Hello-Foundation-us-east-1: KMS key EstateKeyD856292B, kept while it encrypts kept data',
      ]),
    );
    expect(lab.leftovers.find((l) => l.stack === 'Hello-Foundation-us-west-2')).toMatchObject({ days: 7 });
  });
});

describe('the price table', () => {
  it('is dated, names its sources, and prices every regional item in every region of the default estate', () => {
    expect(prices.compiled).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const url of Object.values(prices.sources)) expect(url).toMatch(/^https:\/\/aws\.amazon\.com\//);
    const config = parseConfig({}, 'defaults');
    const regions = [...new Set([...primaryRegions(config), config.recoveryRegion])];
    const { fargateVcpuHour, fargateGbHour, instanceHour, ...single } = prices.regional;
    const tables = [
      ...Object.values(single),
      ...Object.values(fargateVcpuHour),
      ...Object.values(fargateGbHour),
      ...Object.values(instanceHour),
    ];
    for (const table of tables)
      expect(Object.keys(table).sort()).toEqual(expect.arrayContaining(regions.sort()));
  });
});
