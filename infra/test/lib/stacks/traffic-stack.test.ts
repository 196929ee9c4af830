import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, PROFILES } from '../../../config/index.ts';
import { TrafficStack } from '../../../lib/stacks/traffic-stack.ts';

function template(config: EstateConfig) {
  const app = new App({ builtinCloudFormationValidation: false } as never);
  const stack = new TrafficStack(app, { config });
  return app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
}
const of = (json: ReturnType<typeof template>, type: string) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

describe.each(['lab', 'production'] as const)('TrafficStack (%s)', (profile) => {
  const config: EstateConfig = { ...DEFAULT_CONFIG, profile };
  const json = template(config);
  const records = of(json, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
  const checks = of(json, 'AWS::Route53::HealthCheck');

  it('DNS-1: one weighted record per regional endpoint, home half split over fleet and ASG, an eighth elsewhere', () => {
    const weighted = records.filter((r) => r.Name === 'weighted.app.example.com.');
    expect(Object.fromEntries(weighted.map((r) => [r.SetIdentifier, r.Weight]))).toEqual({
      'fleet-us-east-1': 2,
      'asg-us-east-1': 2,
      'asg-eu-central-1': 1,
      'beanstalk-eu-west-1': 1,
      'ecs-us-west-2': 1,
      'serverless-ap-southeast-2': 1,
    });
  });

  it("DR-1, DNS-2: each weighted record is a CNAME of the endpoint's own name with the profile's TTL, not an alias carrying the balancer's 60 s", () => {
    const weighted = records.filter((r) => r.Name === 'weighted.app.example.com.');
    expect(weighted).toHaveLength(6);
    for (const r of weighted) {
      expect(r).toMatchObject({
        Type: 'CNAME',
        TTL: String(PROFILES[profile].weightedTtlSeconds),
        ResourceRecords: [`${String(r.SetIdentifier).replace(/-(?=[a-z]{2}-)/, '.')}.example.com`],
      });
      expect(r.AliasTarget).toBeUndefined();
    }
  });

  it("DR-1: app is a CNAME alias of the weighted set (an alias takes the chosen record's TTL) with target health, its own type matching the set's", () => {
    const app = records.filter((r) => r.Name === 'app.example.com.');
    expect(app).toEqual([
      {
        HostedZoneId: expect.anything(),
        Name: 'app.example.com.',
        Type: 'CNAME',
        AliasTarget: {
          DNSName: 'weighted.app.example.com',
          HostedZoneId: expect.anything(),
          EvaluateTargetHealth: true,
        },
      },
    ]);
  });

  it('DNS-2, SVC-10: each weighted record carries an HTTPS check of its own endpoint on /health/deep, timed by the profile', () => {
    const { intervalSeconds, failureThreshold } = PROFILES[profile].healthCheck;
    const weighted = records.filter((r) => r.Name === 'weighted.app.example.com.');
    expect(checks).toHaveLength(weighted.length);
    for (const r of weighted) {
      const [, check] = checks.find(([id]) => id === (r.HealthCheckId as { Ref: string }).Ref) ?? [];
      expect(check?.Properties.HealthCheckConfig).toMatchObject({
        Type: 'HTTPS',
        FullyQualifiedDomainName: (r.ResourceRecords as string[])[0],
        Port: 443,
        ResourcePath: '/health/deep',
        EnableSNI: true,
        RequestInterval: intervalSeconds,
        FailureThreshold: failureThreshold,
      });
    }
  });
});
