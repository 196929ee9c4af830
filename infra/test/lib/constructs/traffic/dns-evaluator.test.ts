import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { type AwsRegion, DEFAULT_CONFIG, type EstateConfig, PROFILES } from '../../../../config/index.ts';
import {
  answerTtl,
  type DnsRecord,
  evaluateDns,
  recordsOfTemplates,
  tokenTargetName,
} from '../../../../lib/constructs/traffic/dns-evaluator.ts';
import { regionalEndpoints, trafficNames } from '../../../../lib/constructs/traffic/names.ts';
import { endpointWeights } from '../../../../lib/constructs/traffic/weights.ts';
import { DnsStack } from '../../../../lib/stacks/dns-stack.ts';
import { EdgeStack } from '../../../../lib/stacks/edge-stack.ts';
import { TrafficStack } from '../../../../lib/stacks/traffic-stack.ts';

const ZONE = 'example.com';
const rounded = (answers: ReadonlyMap<string, number>) =>
  Object.fromEntries([...answers].map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));

describe("the DNS evaluator on the cases of Route 53's documentation", () => {
  const weighted = (hc: string, target: string, weight: number): DnsRecord => ({
    name: `w.${ZONE}`,
    setIdentifier: target,
    weight,
    healthCheckId: hc,
    aliasTarget: { dnsName: target, evaluateTargetHealth: false },
  });
  const group = [weighted('a', 'a.elb', 1), weighted('b', 'b.elb', 1), weighted('c', 'c.elb', 2)];

  it('DNS-2: healthy weighted records share the answers by weight; an unhealthy one leaves, the rest keep their ratios', () => {
    expect(rounded(evaluateDns(group, ZONE, `w.${ZONE}`))).toEqual({
      'a.elb': 0.25,
      'b.elb': 0.25,
      'c.elb': 0.5,
    });
    expect(rounded(evaluateDns(group, ZONE, `w.${ZONE}`, { unhealthyChecks: new Set(['c']) }))).toEqual({
      'a.elb': 0.5,
      'b.elb': 0.5,
    });
  });

  it('DNS-2: when every weighted record is unhealthy Route 53 answers as if all were healthy', () => {
    const all = { unhealthyChecks: new Set(['a', 'b', 'c']) };
    expect(rounded(evaluateDns(group, ZONE, `w.${ZONE}`, all))).toEqual({
      'a.elb': 0.25,
      'b.elb': 0.25,
      'c.elb': 0.5,
    });
  });

  it('DNS-2: records of weight 0 answer only when every record of non-zero weight is unhealthy', () => {
    const withStandby = [...group, weighted('s', 's.elb', 0)];
    expect(evaluateDns(withStandby, ZONE, `w.${ZONE}`).has('s.elb')).toBe(false);
    expect(
      rounded(evaluateDns(withStandby, ZONE, `w.${ZONE}`, { unhealthyChecks: new Set(['a', 'b', 'c']) })),
    ).toEqual({ 's.elb': 1 });
  });

  it('DR-1: failover answers the PRIMARY while healthy, else a healthy SECONDARY, and the PRIMARY when both fail', () => {
    const pair: DnsRecord[] = [
      {
        name: `f.${ZONE}`,
        failover: 'PRIMARY',
        healthCheckId: 'p',
        aliasTarget: { dnsName: 'p.elb', evaluateTargetHealth: false },
      },
      {
        name: `f.${ZONE}`,
        failover: 'SECONDARY',
        healthCheckId: 's',
        aliasTarget: { dnsName: 's.elb', evaluateTargetHealth: false },
      },
    ];
    expect(rounded(evaluateDns(pair, ZONE, `f.${ZONE}`))).toEqual({ 'p.elb': 1 });
    expect(rounded(evaluateDns(pair, ZONE, `f.${ZONE}`, { unhealthyChecks: new Set(['p']) }))).toEqual({
      's.elb': 1,
    });
    expect(rounded(evaluateDns(pair, ZONE, `f.${ZONE}`, { unhealthyChecks: new Set(['p', 's']) }))).toEqual({
      'p.elb': 1,
    });
  });

  it('DR-1: an alias with evaluate-target-health to a weighted set is unhealthy only when every member is, and an ALB alias follows its balancer', () => {
    const records: DnsRecord[] = [
      ...group,
      {
        name: `app.${ZONE}`,
        failover: 'PRIMARY',
        aliasTarget: { dnsName: `w.${ZONE}`, evaluateTargetHealth: true },
      },
      {
        name: `app.${ZONE}`,
        failover: 'SECONDARY',
        aliasTarget: { dnsName: 'oops.cloudfront', evaluateTargetHealth: false },
      },
    ];
    expect(
      rounded(evaluateDns(records, ZONE, `app.${ZONE}`, { unhealthyChecks: new Set(['a', 'b']) })),
    ).toEqual({ 'c.elb': 1 });
    expect(
      rounded(evaluateDns(records, ZONE, `app.${ZONE}`, { unhealthyChecks: new Set(['a', 'b', 'c']) })),
    ).toEqual({
      'oops.cloudfront': 1,
    });
    const alb: DnsRecord[] = [
      {
        name: `x.${ZONE}`,
        failover: 'PRIMARY',
        aliasTarget: { dnsName: 'x.elb', evaluateTargetHealth: true },
      },
      {
        name: `x.${ZONE}`,
        failover: 'SECONDARY',
        aliasTarget: { dnsName: 'y.elb', evaluateTargetHealth: false },
      },
    ];
    expect(rounded(evaluateDns(alb, ZONE, `x.${ZONE}`, { downTargets: new Set(['x.elb']) }))).toEqual({
      'y.elb': 1,
    });
  });

  it('DR-1: a weighted CNAME is followed to its name and judged by its health check alone; an alias of it answers with its TTL', () => {
    const cname = (hc: string, target: string): DnsRecord => ({
      name: `w.${ZONE}`,
      setIdentifier: target,
      weight: 1,
      healthCheckId: hc,
      cname: `${target}.${ZONE}`,
      ttl: 20,
    });
    const own = (target: string): DnsRecord => ({
      name: `${target}.${ZONE}`,
      aliasTarget: { dnsName: `${target}.elb`, evaluateTargetHealth: true },
    });
    const records: DnsRecord[] = [
      cname('a', 'a'),
      cname('b', 'b'),
      own('a'),
      own('b'),
      {
        name: `app.${ZONE}`,
        failover: 'PRIMARY',
        aliasTarget: { dnsName: `w.${ZONE}`, evaluateTargetHealth: true },
      },
      { name: `app.${ZONE}`, failover: 'SECONDARY', cname: 'oops.cloudfront', ttl: 20 },
    ];
    expect(rounded(evaluateDns(records, ZONE, `app.${ZONE}`))).toEqual({ 'a.elb': 0.5, 'b.elb': 0.5 });
    expect(rounded(evaluateDns(records, ZONE, `app.${ZONE}`, { unhealthyChecks: new Set(['a']) }))).toEqual({
      'b.elb': 1,
    });
    // No target health on a CNAME: a balancer with nothing behind it leaves through its failing check.
    expect(rounded(evaluateDns(records, ZONE, `app.${ZONE}`, { downTargets: new Set(['a.elb']) }))).toEqual({
      'a.elb': 0.5,
      'b.elb': 0.5,
    });
    expect(
      rounded(evaluateDns(records, ZONE, `app.${ZONE}`, { unhealthyChecks: new Set(['a', 'b']) })),
    ).toEqual({ 'oops.cloudfront': 1 });
    expect(answerTtl(records, ZONE, `app.${ZONE}`)).toBe(20);
    // An alias of a balancer carries the balancer's TTL, which the templates do not know.
    expect(answerTtl(records, ZONE, `a.${ZONE}`)).toBeUndefined();
  });
});

/** The default topology cut or grown to `count` regions (home first). */
function topology(count: number): EstateConfig {
  const e = DEFAULT_CONFIG.engines;
  const regions: Record<number, Partial<Record<keyof typeof e, AwsRegion[]>>> = {
    2: { fleet: ['us-east-1'], asg: ['us-east-1', 'eu-central-1'] },
    3: { fleet: ['us-east-1'], asg: ['us-east-1', 'eu-central-1'], beanstalk: ['eu-west-1'] },
    4: {
      fleet: ['us-east-1'],
      asg: ['us-east-1', 'eu-central-1'],
      beanstalk: ['eu-west-1'],
      ecs: ['us-west-2'],
    },
    5: {
      fleet: ['us-east-1'],
      asg: ['us-east-1', 'eu-central-1'],
      beanstalk: ['eu-west-1'],
      ecs: ['us-west-2'],
      serverless: ['ap-southeast-2'],
    },
    6: {
      fleet: ['us-east-1'],
      asg: ['us-east-1', 'eu-central-1'],
      beanstalk: ['eu-west-1'],
      ecs: ['us-west-2', 'ca-central-1'],
      serverless: ['ap-southeast-2'],
    },
  };
  const chosen = regions[count] ?? {};
  const engines = Object.fromEntries(
    Object.entries(e).map(([k, v]) => {
      const r = chosen[k as keyof typeof e];
      return [k, r === undefined ? { ...v, enabled: false } : { ...v, enabled: true, regions: r }];
    }),
  ) as unknown as EstateConfig['engines'];
  return { ...DEFAULT_CONFIG, engines };
}

describe.each([2, 3, 4, 5, 6])('the synthesized app records over %i regions', (count) => {
  const config = topology(count);
  const app = new App({ builtinCloudFormationValidation: false } as never);
  const dns = new DnsStack(app, { config });
  const edge = new EdgeStack(app, { config, certificate: dns.edgeCertificate });
  const traffic = new TrafficStack(app, { config, oops: edge.oops.distribution });
  const assembly = app.synth();
  const records = recordsOfTemplates([assembly.getStackByName(traffic.stackName).template]);
  const names = trafficNames(config);
  const endpoints = endpointWeights(regionalEndpoints(config), config.homeRegion);
  const checkOf = new Map<string, string>();
  const template = assembly.getStackByName(traffic.stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { HealthCheckConfig?: { FullyQualifiedDomainName: string } } }
    >;
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Route53::HealthCheck')
      checkOf.set(String(r.Properties.HealthCheckConfig?.FullyQualifiedDomainName), id);
  }
  const regions = [...new Set(endpoints.map((e) => e.region))];
  const oops = tokenTargetName(names.app, 'oops');

  it('DR-1, DNS-1, DNS-2: taking regions down one by one shifts the answers to the survivors by their weights and ends on the oops page', () => {
    expect(regions).toHaveLength(count);
    const down = new Set<string>();
    // The home region last: the others leave first, then home, then the oops page answers.
    for (const region of [...regions.slice(1), regions[0]]) {
      const survivors = endpoints.filter((e) => !down.has(e.region));
      const total = survivors.reduce((s, e) => s + e.weight, 0);
      const unhealthyChecks = new Set(
        endpoints.filter((e) => down.has(e.region)).map((e) => checkOf.get(names.regional(e)) ?? '?'),
      );
      expect(rounded(evaluateDns(records, ZONE, names.app, { unhealthyChecks }))).toEqual(
        Object.fromEntries(
          survivors.map((e) => [names.regional(e), Math.round((e.weight / total) * 1e6) / 1e6]),
        ),
      );
      down.add(region ?? '');
    }
    const unhealthyChecks = new Set(endpoints.map((e) => checkOf.get(names.regional(e)) ?? '?'));
    expect(rounded(evaluateDns(records, ZONE, names.app, { unhealthyChecks }))).toEqual({ [oops]: 1 });
  });

  it.each(regions)(
    'OPS-1, DNS-2: with %s drained (every check of its endpoints failing), app answers only from the other regions, by their weights',
    (drained) => {
      const unhealthyChecks = new Set(
        endpoints.filter((e) => e.region === drained).map((e) => checkOf.get(names.regional(e)) ?? '?'),
      );
      const others = endpoints.filter((e) => e.region !== drained);
      const total = others.reduce((sum, e) => sum + e.weight, 0);
      expect(rounded(evaluateDns(records, ZONE, names.app, { unhealthyChecks }))).toEqual(
        Object.fromEntries(
          others.map((e) => [names.regional(e), Math.round((e.weight / total) * 1e6) / 1e6]),
        ),
      );
    },
  );

  it("DR-1: app's answer lives as long as the weighted records' TTL from the profile, on either side of the failover", () => {
    const ttl = PROFILES[config.profile].weightedTtlSeconds;
    expect(answerTtl(records, ZONE, names.app)).toBe(ttl);
    expect(records.filter((r) => r.name === names.app).map((r) => r.ttl ?? 'alias')).toEqual(['alias', ttl]);
  });

  it('DNS-1: with every region healthy the home region gets half of the answers', () => {
    const answers = evaluateDns(records, ZONE, names.app);
    const home = endpoints
      .filter((e) => e.region === config.homeRegion)
      .map((e) => answers.get(names.regional(e)) ?? 0);
    expect(home.reduce((a, b) => a + b, 0)).toBeCloseTo(0.5, 9);
  });
});
