import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceTrustSourceAccount } from '../../../lib/aspects/source-account.ts';

type Statement = { Principal?: { Service?: unknown }; Condition?: Record<string, Record<string, unknown>> };

let trust: (roleId: string) => Statement[];

beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
  const role = (id: string, principal: iam.IPrincipal) => new iam.Role(stack, id, { assumedBy: principal });
  role('CodeDeploy', new iam.ServicePrincipal('codedeploy.amazonaws.com'));
  role('FlowLogs', new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'));
  role('Instance', new iam.ServicePrincipal('ec2.amazonaws.com'));
  role('Function', new iam.ServicePrincipal('lambda.amazonaws.com'));
  new iam.CfnRole(stack, 'Mixed', {
    assumeRolePolicyDocument: {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: ['codedeploy.amazonaws.com', 'ec2.amazonaws.com'] },
        },
      ],
    },
  });
  role(
    'ByArn',
    new iam.ServicePrincipal('codedeploy.amazonaws.com').withConditions({
      ArnLike: { 'aws:SourceArn': 'arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:hello/*' },
    }),
  );
  Aspects.of(app).add(new ServiceTrustSourceAccount());
  const template = Template.fromStack(stack);
  trust = (roleId) => {
    const [found] = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
      id.startsWith(roleId),
    );
    return (found?.[1].Properties.AssumeRolePolicyDocument.Statement ?? []) as Statement[];
  };
});

describe('ServiceTrustSourceAccount', () => {
  it.each(['CodeDeploy', 'FlowLogs'])(
    'SEC-2: a role %s assumes admits it only for resources of its own account (aws:SourceAccount)',
    (roleId) => {
      expect(trust(roleId).map((s) => s.Condition)).toEqual([
        { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      ]);
    },
  );

  it.each(['Instance', 'Function', 'Mixed'])(
    'SEC-2: the trust statement of %s, which admits a service that does not send aws:SourceAccount, is left as it is (a condition would refuse every AssumeRole)',
    (roleId) => {
      const statements = trust(roleId);
      expect(statements.length).toBeGreaterThan(0);
      expect(statements.map((s) => s.Condition)).toEqual(statements.map(() => undefined));
    },
  );

  it('SEC-2: a trust already scoped by source ARN is kept as written, without a second condition', () => {
    expect(trust('ByArn').map((s) => s.Condition)).toEqual([
      {
        ArnLike: { 'aws:SourceArn': 'arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:hello/*' },
      },
    ]);
  });
});
