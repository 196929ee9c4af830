import { describe, expect, it } from 'vitest';
import { serviceTrustScoped } from '../../../lib/rules/trust.ts';
import { assembly, PRIMARY, role, stack } from './fixtures.ts';

describe(serviceTrustScoped.id, () => {
  const scopedRole = (service: string) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: service },
            Condition: { StringEquals: { 'aws:SourceAccount': PRIMARY } },
          },
        ],
      },
    },
  });

  it('SEC-3: a CodeDeploy or flow-log service role admits its service only from this account', () => {
    const open = stack('S', {
      Deploy: role('codedeploy.amazonaws.com'),
      Flow: role('vpc-flow-logs.amazonaws.com'),
    });
    expect(serviceTrustScoped.check(assembly(open), {}).map((f) => f.logicalId)).toEqual(['Deploy', 'Flow']);
    const scoped = stack('S', {
      Deploy: scopedRole('codedeploy.amazonaws.com'),
      Flow: scopedRole('vpc-flow-logs.amazonaws.com'),
    });
    expect(serviceTrustScoped.check(assembly(scoped), {})).toEqual([]);
  });

  it('SEC-3: roles of services that send no source context (Lambda, EC2) are not asked for one', () => {
    const plain = stack('S', { Fn: role('lambda.amazonaws.com'), Ec2: role('ec2.amazonaws.com') });
    expect(serviceTrustScoped.check(assembly(plain), {})).toEqual([]);
  });
});
