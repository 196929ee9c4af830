import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../../../lib/constructs/foundation/alarm-topic.ts';

function topicTemplate(email?: string): Template {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
  new AlarmTopic(stack, 'Alarms', { key: new kms.Key(stack, 'Key'), email });
  return Template.fromStack(stack);
}

describe('AlarmTopic', () => {
  it('subscribes the alert address from the config', () => {
    topicTemplate('ops@hello.dev').hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@hello.dev',
    });
  });

  it('subscribes nobody when the config has no alert address', () => {
    expect(topicTemplate().findResources('AWS::SNS::Subscription')).toEqual({});
  });

  it('denies publishing without TLS', () => {
    topicTemplate().hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('DATA-6: an EventBridge rule may publish to the topic and use its key for this account only', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
    const alarms = new AlarmTopic(stack, 'Alarms', { key: new kms.Key(stack, 'Key') });
    new events.Rule(stack, 'Rule', {
      eventPattern: { source: ['aws.rds'] },
      targets: [new targets.SnsTopic(alarms.topic)],
    });
    const template = Template.fromStack(stack);
    const forEvents = (statements: Record<string, unknown>[]) =>
      statements.filter((statement) => JSON.stringify(statement.Principal).includes('events.amazonaws.com'));
    const [, policy] = Object.entries(template.findResources('AWS::SNS::TopicPolicy'))[0] ?? [];
    const [, key] = Object.entries(template.findResources('AWS::KMS::Key'))[0] ?? [];
    const topicStatements = forEvents(policy?.Properties.PolicyDocument.Statement);
    const keyStatements = forEvents(key?.Properties.KeyPolicy.Statement);
    expect(topicStatements.map((statement) => statement.Action)).toEqual(['sns:Publish']);
    expect(keyStatements.map((statement) => statement.Action)).toEqual([
      ['kms:Decrypt', 'kms:GenerateDataKey*'],
    ]);
    for (const statement of [...topicStatements, ...keyStatements]) {
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
    }
  });
});
