import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../../config/index.ts';
import { EngineDomain } from '../../../../lib/constructs/traffic/engine-domain.ts';

describe('EngineDomain', () => {
  const synth = (hostedZoneId?: string) => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const config = {
      ...DEFAULT_CONFIG,
      dns: { domainName: 'example.com', ...(hostedZoneId ? { hostedZoneId } : {}) },
    };
    const domain = new EngineDomain(stack, 'Domain', {
      config,
      endpoint: { engine: 'beanstalk', region: 'eu-west-1' },
    });
    domain.route({
      bind: () => ({
        dnsName: 'lb.eu-west-1.elb.amazonaws.com',
        hostedZoneId: 'Z32O12XQLNTSW2',
        evaluateTargetHealth: true,
      }),
    });
    return Template.fromStack(stack);
  };

  const configured = synth('Z0123456789ABC');
  const created = synth();

  it('SEC-1: the certificate names the endpoint and app; the engine writes the validation record of its own name only (app belongs to the DNS stack)', () => {
    configured.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'beanstalk.eu-west-1.example.com',
      SubjectAlternativeNames: ['app.example.com'],
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'beanstalk.eu-west-1.example.com', HostedZoneId: 'Z0123456789ABC' },
      ],
    });
  });

  it('DNS-2: the endpoint name aliases its target with evaluate-target-health; a zone the estate created is read from us-east-1', () => {
    created.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'beanstalk.eu-west-1.example.com.',
      Type: 'A',
      AliasTarget: { DNSName: 'lb.eu-west-1.elb.amazonaws.com', EvaluateTargetHealth: true },
    });
    created.resourceCountIs('Custom::HostedZoneId', 1);
    configured.resourceCountIs('Custom::HostedZoneId', 0);
  });
});
