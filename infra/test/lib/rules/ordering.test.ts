import { describe, expect, it } from 'vitest';
import { crossStackOrder } from '../../../lib/rules/ordering.ts';
import { assembly, stack } from './fixtures.ts';

const alias = { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/hello/estate', TargetKeyId: 'k' } };
const secret = {
  Type: 'AWS::SecretsManager::Secret',
  Properties: {
    ReplicaRegions: [
      { Region: 'eu-central-1', KmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:alias/hello/estate' },
    ],
  },
};

describe(crossStackOrder.id, () => {
  const foundation = stack('Foundation-eu-central-1', { Alias: alias }, { region: 'eu-central-1' });
  const home = stack('Foundation-us-east-1', { Alias: alias });

  it('SEC-3: a secret replicated with another region’s key alias waits for the stack that creates the alias', () => {
    const data = stack('Data', { Secret: secret }, { dependsOn: ['Foundation-us-east-1'] });
    expect(crossStackOrder.check(assembly(home, foundation, data), {})).toEqual([
      expect.objectContaining({
        stack: 'Data',
        logicalId: 'Secret',
        message: expect.stringContaining('Foundation-eu-central-1'),
      }),
    ]);
    const ordered = stack(
      'Data',
      { Secret: secret },
      { dependsOn: ['Foundation-us-east-1', 'Foundation-eu-central-1'] },
    );
    expect(crossStackOrder.check(assembly(home, foundation, ordered), {})).toEqual([]);
  });

  it('SEC-3: the dependency may be transitive', () => {
    const middle = stack('Middle', {}, { dependsOn: ['Foundation-eu-central-1'] });
    const data = stack('Data', { Secret: secret }, { dependsOn: ['Middle'] });
    expect(crossStackOrder.check(assembly(foundation, middle, data), {})).toEqual([]);
  });

  it('SEC-3: a parameter named by a constructed ARN or read as a template parameter orders its reader', () => {
    const param = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Name: '/hello/us-east-1/database/endpoint', Type: 'String', Value: 'x' },
    };
    const producer = stack('Data', { P: param });
    const grant = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'ssm:GetParameter',
              Resource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:aws:ssm:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':parameter/hello/us-east-1/database/endpoint',
                  ],
                ],
              },
            },
          ],
        },
      },
    };
    expect(crossStackOrder.check(assembly(producer, stack('Engine', { Grant: grant })), {})).toHaveLength(1);
    const parameters = {
      Endpoint: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/hello/us-east-1/database/endpoint' },
    };
    expect(crossStackOrder.check(assembly(producer, stack('Engine', {}, { parameters })), {})).toEqual([
      expect.objectContaining({ logicalId: 'Parameters' }),
    ]);
    expect(
      crossStackOrder.check(
        assembly(producer, stack('Engine', { Grant: grant }, { parameters, dependsOn: ['Data'] })),
        {},
      ),
    ).toEqual([]);
  });

  it('SEC-3: a name compared in a condition, or wildcarded, orders nothing', () => {
    const conditioned = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'kms:Encrypt',
              Resource: '*',
              Condition: { StringEquals: { 'kms:RequestAlias': 'alias/hello/estate' } },
            },
            {
              Effect: 'Allow',
              Action: 'ssm:GetParameter',
              Resource: 'arn:aws:ssm:us-east-1:111111111111:parameter/hello/*',
            },
          ],
        },
      },
    };
    expect(crossStackOrder.check(assembly(home, stack('Other', { P: conditioned })), {})).toEqual([]);
  });

  it('SEC-3: a stack reading another’s output with Fn::GetStackOutput is deployed after it', () => {
    const reader = stack('Engine', {
      Alarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmActions: [
            {
              'Fn::GetStackOutput': {
                StackName: 'Foundation-us-east-1',
                Region: 'us-east-1',
                OutputName: 'Topic',
              },
            },
          ],
        },
      },
    });
    expect(crossStackOrder.check(assembly(home, reader), {})).toHaveLength(1);
    expect(
      crossStackOrder.check(assembly(home, { ...reader, dependsOn: ['Foundation-us-east-1'] }), {}),
    ).toEqual([]);
  });
});
