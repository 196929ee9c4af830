import { describe, expect, it } from 'vitest';
import {
  alarmActionInvoke,
  codeDeployHookInvoke,
  ecsHookInvoke,
  eventTargetInvoke,
  functionChainInvoke,
  snsSubscriptionInvoke,
} from '../../../lib/rules/invoke-grants.ts';
import { arn, assembly, fn, policy, ref, role, stack } from './fixtures.ts';

const invoke = (target: string) => ({
  Effect: 'Allow',
  Action: 'lambda:InvokeFunction',
  Resource: [arn(target), { 'Fn::Join': ['', [arn(target), ':*']] }],
});

describe(ecsHookInvoke.id, () => {
  const service = {
    Type: 'AWS::ECS::Service',
    Properties: {
      DeploymentConfiguration: {
        Strategy: 'BLUE_GREEN',
        LifecycleHooks: [
          {
            HookTargetArn: arn('Hook'),
            RoleArn: arn('InvokeRole'),
            LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          },
        ],
      },
    },
  };
  const base = {
    Service: service,
    Hook: fn('HookRole'),
    HookRole: role('lambda.amazonaws.com'),
    InvokeRole: role('ecs.amazonaws.com'),
  };

  it('SEC-3: the role ECS assumes for a blue/green lifecycle hook may invoke the hook', () => {
    expect(ecsHookInvoke.check(assembly(stack('Ecs', base)), {})).toEqual([
      expect.objectContaining({ logicalId: 'Service', message: expect.stringContaining('InvokeRole') }),
    ]);
    const granted = stack('Ecs', { ...base, Grant: policy('InvokeRole', invoke('Hook')) });
    expect(ecsHookInvoke.check(assembly(granted), {})).toEqual([]);
  });

  it('SEC-3: a grant on another function does not count', () => {
    const elsewhere = stack('Ecs', {
      ...base,
      Other: fn('HookRole'),
      Grant: policy('InvokeRole', invoke('Other')),
    });
    expect(ecsHookInvoke.check(assembly(elsewhere), {})).toHaveLength(1);
  });
});

describe(codeDeployHookInvoke.id, () => {
  const base = {
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: { FunctionName: ref('Service'), Name: 'live' },
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: ref('App'),
          DeploymentGroupName: ref('Group'),
          BeforeAllowTrafficHook: ref('Hook'),
        },
      },
    },
    Group: { Type: 'AWS::CodeDeploy::DeploymentGroup', Properties: { ServiceRoleArn: arn('DeployRole') } },
    DeployRole: role('codedeploy.amazonaws.com', {
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited'],
    }),
    Hook: fn('HookRole'),
    Service: fn('HookRole'),
  };

  it('SEC-3: CodeDeploy’s role may invoke a pre-traffic hook not named CodeDeployHook_*', () => {
    expect(codeDeployHookInvoke.check(assembly(stack('S', base)), {})).toEqual([
      expect.objectContaining({ logicalId: 'Live', message: expect.stringContaining('Hook') }),
    ]);
    expect(
      codeDeployHookInvoke.check(
        assembly(stack('S', { ...base, Grant: policy('DeployRole', invoke('Hook')) })),
        {},
      ),
    ).toEqual([]);
    const named = { ...base, Hook: fn('HookRole', { FunctionName: 'CodeDeployHook_pre' }) };
    expect(codeDeployHookInvoke.check(assembly(stack('S', named)), {})).toEqual([]);
  });
});

describe(eventTargetInvoke.id, () => {
  const base = {
    Rule: { Type: 'AWS::Events::Rule', Properties: { Targets: [{ Arn: arn('Fn'), Id: 'Target0' }] } },
    Fn: fn('Role'),
  };
  const permission = (SourceArn: unknown) => ({
    Type: 'AWS::Lambda::Permission',
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: arn('Fn'),
      Principal: 'events.amazonaws.com',
      SourceArn,
    },
  });

  it('SEC-3: a rule targeting a function has the function’s permission for events.amazonaws.com from that rule', () => {
    expect(eventTargetInvoke.check(assembly(stack('S', base)), {})).toEqual([
      expect.objectContaining({ logicalId: 'Rule' }),
    ]);
    expect(
      eventTargetInvoke.check(assembly(stack('S', { ...base, P: permission(arn('Rule')) })), {}),
    ).toEqual([]);
    expect(
      eventTargetInvoke.check(assembly(stack('S', { ...base, P: permission(arn('OtherRule')) })), {}),
    ).toHaveLength(1);
  });
});

describe(snsSubscriptionInvoke.id, () => {
  it('SEC-3: a function subscribed to a topic lets sns.amazonaws.com invoke it from that topic', () => {
    const base = {
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'lambda', TopicArn: ref('Topic'), Endpoint: arn('Fn') },
      },
      Fn: fn('Role'),
    };
    expect(snsSubscriptionInvoke.check(assembly(stack('S', base)), {})).toHaveLength(1);
    const P = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: ref('Fn'),
        Principal: 'sns.amazonaws.com',
        SourceArn: ref('Topic'),
      },
    };
    expect(snsSubscriptionInvoke.check(assembly(stack('S', { ...base, P })), {})).toEqual([]);
  });
});

describe(alarmActionInvoke.id, () => {
  it('SEC-3: an alarm whose action is a function lets CloudWatch alarms invoke it', () => {
    const base = {
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [arn('Fn')] } },
      Fn: fn('Role'),
    };
    expect(alarmActionInvoke.check(assembly(stack('S', base)), {})).toHaveLength(1);
    const P = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: arn('Fn'),
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceArn: arn('Alarm'),
      },
    };
    expect(alarmActionInvoke.check(assembly(stack('S', { ...base, P })), {})).toEqual([]);
  });
});

describe(functionChainInvoke.id, () => {
  it('SEC-3: a custom resource provider’s framework function may invoke the onEvent handler it is given', () => {
    const base = {
      OnEvent: fn('HandlerRole'),
      Framework: fn('FrameworkRole', {
        Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: arn('OnEvent') } },
      }),
      FrameworkRole: role('lambda.amazonaws.com'),
    };
    expect(functionChainInvoke.check(assembly(stack('S', base)), {})).toEqual([
      expect.objectContaining({
        logicalId: 'Framework',
        message: expect.stringContaining('USER_ON_EVENT_FUNCTION_ARN'),
      }),
    ]);
    expect(
      functionChainInvoke.check(
        assembly(stack('S', { ...base, G: policy('FrameworkRole', invoke('OnEvent')) })),
        {},
      ),
    ).toEqual([]);
  });
});
