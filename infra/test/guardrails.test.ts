import { describe, expect, it } from 'vitest';
import { estate, type TemplateJson } from './support/estate.ts';
import { GUARDRAILS } from './support/guardrail-checks.ts';

const PROFILES = ['lab', 'production'] as const;

describe.each(GUARDRAILS)('$name', ({ check }) => {
  it.each(PROFILES)('holds on every template of the %s estate', (profile) => {
    const violations = estate(profile).stacks.flatMap((s) => check(s.json).map((v) => `${s.name}: ${v}`));
    expect(violations).toEqual([]);
  });
});

// Each check must be able to fail: one template that breaks every guardrail at once.
const BROKEN: TemplateJson = {
  Resources: {
    Untagged: { Type: 'AWS::EC2::Instance', Properties: {} },
    WrongPurpose: { Type: 'AWS::SQS::Queue', Properties: { Tags: [{ Key: 'purpose', Value: 'prod' }] } },
    Open: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        Tags: [
          { Key: 'purpose', Value: 'DevOps exam' },
          { Key: 'app', Value: 'H' },
          { Key: 'owner', Value: 'o' },
        ],
      },
    },
    Forever: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    Static: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false } },
    Plain: { Type: 'AWS::SNS::Topic', Properties: {} },
    Admin: {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
    },
    Ssh: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }],
      },
    },
    HttpsNoBalancer: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { 'Fn::GetAtt': ['Ssh', 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIpv6: '::/0',
      },
    },
  },
};

describe('each guardrail check', () => {
  it.each(GUARDRAILS)('catches a violation: $name', ({ check }) => {
    expect(check(BROKEN).length).toBeGreaterThan(0);
  });

  it('lets a load balancer listener on 443 be open to the internet, and nothing else', () => {
    const balanced: TemplateJson = {
      Resources: {
        LbSg: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }],
          },
        },
        Lb: {
          Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          Properties: { SecurityGroups: [{ 'Fn::GetAtt': ['LbSg', 'GroupId'] }] },
        },
      },
    };
    const check = GUARDRAILS.find((g) => g.name.startsWith('SCALE-7'))?.check;
    expect(check?.(balanced)).toEqual([]);
    expect(check?.(BROKEN)).toHaveLength(2);
  });
});
