import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, PROFILES } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
import { AB_ORIGIN_TIMEOUTS, VARIANT_HEADER } from '../../../lib/constructs/edge/ab-router.ts';
import { OOPS_PAGE_PATH } from '../../../lib/constructs/edge/oops-site.ts';
import { DnsStack } from '../../../lib/stacks/dns-stack.ts';
import { EdgeStack } from '../../../lib/stacks/edge-stack.ts';
import { TrafficStack } from '../../../lib/stacks/traffic-stack.ts';

/** The us-east-1 stacks of the edge, with the estate's policies: cdk-nag fails the synthesis on a finding. */
function synth(config: EstateConfig) {
  const app = createEstateApp({ builtinValidation: false });
  applyPolicies(app, config);
  const dns = new DnsStack(app, { config });
  const edge = config.features.edge
    ? new EdgeStack(app, { config, certificate: dns.edgeCertificate })
    : undefined;
  const traffic = new TrafficStack(app, { config, oops: edge?.oops.distribution });
  app.synth();
  return {
    dns: Template.fromStack(dns),
    edge: edge && Template.fromStack(edge),
    traffic: Template.fromStack(traffic),
  };
}

describe.each(['lab', 'production'] as const)('the edge stacks (%s)', (profile) => {
  const config: EstateConfig = { ...DEFAULT_CONFIG, profile };
  const { dns, edge, traffic } = synth(config);
  if (edge === undefined) throw new Error('the default config has the edge on');

  it('DNS-3, SEC-1: the oops bucket is private, readable by the distribution only, through origin access control', () => {
    edge.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    // One per distribution reading the bucket: the oops site's and ab's fallback.
    edge.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2);
    edge.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    const policies = Object.values(edge.findResources('AWS::S3::BucketPolicy'));
    const allows = policies.flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as { Effect: string; Principal: unknown; Condition?: unknown }[]
      ).filter((s) => s.Effect === 'Allow'),
    );
    // Every Allow names CloudFront and this distribution, or the deployment's role: never everyone.
    expect(allows.length).toBeGreaterThan(0);
    for (const s of allows) expect(JSON.stringify(s.Principal)).not.toMatch(/"\*"/);
    expect(allows).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    );
  });

  it('DNS-3, SEC-1: the distribution answers app over HTTPS only with the us-east-1 certificate and turns every miss into the page with 503', () => {
    edge.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['app.example.com'],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CustomErrorResponses: [
          Match.objectLike({ ErrorCode: 403, ResponseCode: 503, ResponsePagePath: OOPS_PAGE_PATH }),
          Match.objectLike({ ErrorCode: 404, ResponseCode: 503, ResponsePagePath: OOPS_PAGE_PATH }),
        ],
      }),
    });
    // No root object: `/` is a miss too, so it gets the 503 as well.
    const [distribution] = Object.values(edge.findResources('AWS::CloudFront::Distribution'));
    expect(distribution?.Properties.DistributionConfig.DefaultRootObject).toBeUndefined();
    edge.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: OOPS_PAGE_PATH.slice(1, OOPS_PAGE_PATH.lastIndexOf('/')),
    });
  });

  it('DNS-3, DR-1: app is a failover pair of CNAMEs: the weighted set PRIMARY as an alias with evaluate-target-health, the oops distribution SECONDARY with the weighted TTL', () => {
    traffic.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'CNAME',
      Failover: 'PRIMARY',
      AliasTarget: Match.objectLike({ DNSName: 'weighted.app.example.com', EvaluateTargetHealth: true }),
      TTL: Match.absent(),
    });
    const [oops] = Object.values(edge.findResources('AWS::CloudFront::Distribution')).filter((d) =>
      (d.Properties.DistributionConfig.Aliases as string[]).includes('app.example.com'),
    );
    expect(oops).toBeDefined();
    traffic.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'CNAME',
      Failover: 'SECONDARY',
      SetIdentifier: 'oops',
      ResourceRecords: [Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() })],
      TTL: String(PROFILES[profile].weightedTtlSeconds),
      AliasTarget: Match.absent(),
    });
  });

  it('DNS-4, DNS-5: ab runs the router on viewer request (cloudfront-js-2.0) for cached reads and /store alike; the cache key holds the variant and the type', () => {
    edge.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      FunctionCode: Match.stringLikeRegexp("^import cf from 'cloudfront';"),
    });
    const [[functionId] = []] = Object.entries(edge.findResources('AWS::CloudFront::Function'));
    const [ab] = Object.values(edge.findResources('AWS::CloudFront::Distribution')).filter((d) =>
      (d.Properties.DistributionConfig.Aliases as string[]).includes('ab.example.com'),
    );
    const config = ab?.Properties.DistributionConfig;
    const routed = [
      config.DefaultCacheBehavior,
      ...config.CacheBehaviors.filter((b: { PathPattern: string }) => b.PathPattern === '/store*'),
    ];
    expect(routed).toHaveLength(2);
    for (const behaviour of routed) {
      expect(behaviour.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ]);
    }
    const [policy] = Object.values(edge.findResources('AWS::CloudFront::CachePolicy'));
    expect(config.DefaultCacheBehavior.CachePolicyId).toEqual({
      Ref: Object.keys(edge.findResources('AWS::CloudFront::CachePolicy'))[0],
    });
    expect(policy?.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: [VARIANT_HEADER] },
      QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['type'] },
    });
  });

  it('DNS-4: /store is never cached and takes every method; reads fail over to the oops bucket on 5xx within about 5 s of a dead region', () => {
    const [ab] = Object.values(edge.findResources('AWS::CloudFront::Distribution')).filter((d) =>
      (d.Properties.DistributionConfig.Aliases as string[]).includes('ab.example.com'),
    );
    const config = ab?.Properties.DistributionConfig;
    const store = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/store*');
    expect(store).toMatchObject({
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      AllowedMethods: expect.arrayContaining(['POST', 'PUT', 'DELETE']),
    });
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    const group = config.OriginGroups.Items[0];
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(group.Id);
    expect(group.FailoverCriteria.StatusCodes.Items.sort()).toEqual([500, 502, 503, 504]);
    const [primary, fallback] = group.Members.Items.map((m: { OriginId: string }) =>
      config.Origins.find((o: { Id: string }) => o.Id === m.OriginId),
    );
    expect(primary).toMatchObject({
      DomainName: 'app.example.com',
      ConnectionAttempts: AB_ORIGIN_TIMEOUTS.connectionAttempts,
      ConnectionTimeout: AB_ORIGIN_TIMEOUTS.connectionTimeoutSeconds,
      CustomOriginConfig: expect.objectContaining({
        OriginProtocolPolicy: 'https-only',
        OriginReadTimeout: AB_ORIGIN_TIMEOUTS.readTimeoutSeconds,
      }),
    });
    expect(
      AB_ORIGIN_TIMEOUTS.connectionAttempts * AB_ORIGIN_TIMEOUTS.connectionTimeoutSeconds +
        AB_ORIGIN_TIMEOUTS.readTimeoutSeconds,
    ).toBeLessThanOrEqual(5);
    expect(fallback.OriginAccessControlId).toBeDefined();
    edge.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'ab.example.com.',
      AliasTarget: Match.objectLike({ HostedZoneId: 'Z2FDTNDATAQYW2' }),
    });
  });

  it('SEC-1: the DNS stack owns the validation records of app and ab, through the us-east-1 certificate the distributions use', () => {
    dns.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'app.example.com',
      SubjectAlternativeNames: ['ab.example.com'],
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'app.example.com', HostedZoneId: Match.anyValue() },
        { DomainName: 'ab.example.com', HostedZoneId: Match.anyValue() },
      ],
    });
  });
});

describe('the edge switched off', () => {
  const { edge, traffic } = synth({
    ...DEFAULT_CONFIG,
    features: { ...DEFAULT_CONFIG.features, edge: false },
  });

  it('DR-1: without the edge there is no oops site and app aliases the weighted set directly, with no failover role', () => {
    expect(edge).toBeUndefined();
    const app = Object.values(traffic.findResources('AWS::Route53::RecordSet')).filter(
      (r) => r.Properties.Name === 'app.example.com.',
    );
    expect(app).toHaveLength(1);
    expect(app[0]?.Properties).toMatchObject({
      Type: 'CNAME',
      AliasTarget: { DNSName: 'weighted.app.example.com', EvaluateTargetHealth: true },
    });
    expect(app[0]?.Properties.Failover).toBeUndefined();
  });
});
