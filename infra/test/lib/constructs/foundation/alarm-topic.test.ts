import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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
});
