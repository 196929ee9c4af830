import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { describe, expect, it } from 'vitest';
import { serveHttps } from '../../../../lib/constructs/traffic/https-listener.ts';

describe('serveHttps', () => {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  const balancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const certificate = acm.Certificate.fromCertificateArn(
    stack,
    'C',
    'arn:aws:acm:eu-west-1:111111111111:certificate/x',
  );
  serveHttps(balancer, {
    certificate,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
    redirectId: 'Http',
  });
  const template = Template.fromStack(stack);

  it('SEC-1: 443 serves HTTPS with the TLS 1.2/1.3 policy and the certificate', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/x' }],
    });
  });

  it('SEC-1: 80 only redirects to HTTPS 443, permanently, keeping the construct id of a former plain listener', () => {
    const plain = template.findResources('AWS::ElasticLoadBalancingV2::Listener', {
      Properties: { Port: 80 },
    });
    expect(Object.keys(plain)).toEqual([expect.stringMatching(/^AlbHttp[0-9A-F]{8}$/)]);
    expect(Object.values(plain)[0]?.Properties.DefaultActions).toEqual([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
    ]);
  });
});
