import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
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

  it('DR-1, SEC-1: the oops bucket is private, readable by the distribution only, through origin access control', () => {
    edge.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    edge.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
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

  it('DR-1, SEC-1: the distribution answers app over HTTPS only with the us-east-1 certificate and turns every miss into the page with 503', () => {
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

  it('DR-1: app is a failover pair: the weighted set PRIMARY with evaluate-target-health, the oops distribution SECONDARY without it', () => {
    traffic.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Failover: 'PRIMARY',
      AliasTarget: Match.objectLike({ DNSName: 'weighted.app.example.com', EvaluateTargetHealth: true }),
    });
    traffic.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'A',
      Failover: 'SECONDARY',
      SetIdentifier: 'oops',
      AliasTarget: { DNSName: Match.anyValue(), HostedZoneId: 'Z2FDTNDATAQYW2' },
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
      AliasTarget: { DNSName: 'weighted.app.example.com', EvaluateTargetHealth: true },
    });
    expect(app[0]?.Properties.Failover).toBeUndefined();
  });
});
