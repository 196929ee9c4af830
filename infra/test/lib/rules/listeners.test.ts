import { describe, expect, it } from 'vitest';
import { publicHttpRedirects } from '../../../lib/rules/listeners.ts';
import { assembly, ref, stack } from './fixtures.ts';

const group = (ingress: Record<string, unknown>[]) => ({
  Type: 'AWS::EC2::SecurityGroup',
  Properties: { SecurityGroupIngress: ingress },
});
const world = (port: number) => ({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: port, ToPort: port });
const balancer = (scheme = 'internet-facing') => ({
  Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  Properties: { Scheme: scheme, SecurityGroups: [{ 'Fn::GetAtt': ['Sg', 'GroupId'] }] },
});
const listener = (port: number, action: Record<string, unknown>) => ({
  Type: 'AWS::ElasticLoadBalancingV2::Listener',
  Properties: { LoadBalancerArn: ref('Alb'), Port: port, Protocol: 'HTTP', DefaultActions: [action] },
});
const redirect = {
  Type: 'redirect',
  RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
};
const forward = { Type: 'forward', TargetGroupArn: ref('Tg') };
const check = (resources: Parameters<typeof stack>[1]) =>
  publicHttpRedirects.check(assembly(stack('Engine', resources)), {});

describe(publicHttpRedirects.id, () => {
  it('SEC-1: a world-open plain-HTTP listener that forwards is refused; one that redirects to HTTPS passes', () => {
    expect(check({ Sg: group([world(80)]), Alb: balancer(), L: listener(80, forward) })).toEqual([
      expect.objectContaining({ logicalId: 'L', message: expect.stringContaining('port 80') }),
    ]);
    expect(check({ Sg: group([world(80)]), Alb: balancer(), L: listener(80, redirect) })).toEqual([]);
  });

  it('SEC-1: a redirecting listener with a rule that forwards is refused', () => {
    const rule = {
      Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      Properties: { ListenerArn: ref('L'), Priority: 1, Actions: [forward] },
    };
    expect(
      check({ Sg: group([world(80)]), Alb: balancer(), L: listener(80, redirect), R: rule }),
    ).toHaveLength(1);
  });

  it('SEC-1: a plain port the world cannot reach (the ECS test port: NAT addresses only) or an internal balancer may stay', () => {
    const nat = { CidrIp: '203.0.113.7/32', IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080 };
    expect(check({ Sg: group([world(443), nat]), Alb: balancer(), L: listener(8080, forward) })).toEqual([]);
    expect(check({ Sg: group([world(80)]), Alb: balancer('internal'), L: listener(80, forward) })).toEqual(
      [],
    );
  });

  it('SEC-1: world access given by a separate ingress resource counts', () => {
    const ingress = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] }, ...world(80) },
    };
    expect(check({ Sg: group([]), In: ingress, Alb: balancer(), L: listener(80, forward) })).toHaveLength(1);
  });

  it('SEC-1: a public Beanstalk ALB needs its HTTPS listener option', () => {
    const env = (extra: Record<string, string>[]) => ({
      Type: 'AWS::ElasticBeanstalk::Environment',
      Properties: {
        OptionSettings: [
          {
            Namespace: 'aws:elasticbeanstalk:environment',
            OptionName: 'LoadBalancerType',
            Value: 'application',
          },
          { Namespace: 'aws:ec2:vpc', OptionName: 'ELBScheme', Value: 'public' },
          ...extra.map((o) => ({ Namespace: 'aws:elbv2:listener:443', ...o })),
        ],
      },
    });
    expect(check({ Env: env([]) })).toEqual([expect.objectContaining({ logicalId: 'Env' })]);
    expect(check({ Env: env([{ OptionName: 'Protocol', Value: 'HTTPS' }]) })).toEqual([]);
  });
});
