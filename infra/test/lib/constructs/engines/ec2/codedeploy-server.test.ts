import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { describe, expect, it } from 'vitest';
import { SERVER_DEPLOYMENT_CONFIGS, type ServerDeploymentConfigName } from '../../../../../config/index.ts';
import { ServerDeployment } from '../../../../../lib/constructs/engines/ec2/codedeploy-server.ts';

/** One in-place group over tagged instances, alone in a stack: a tiny synthesis per case. */
function inPlaceTemplate(config: ServerDeploymentConfigName, customMinimumHealthyPercent = 75): Template {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
  new ServerDeployment(stack, 'InPlace', {
    application: new codedeploy.ServerApplication(stack, 'App'),
    deploymentGroupName: 'fixture-in-place',
    target: { instanceTag: ['hello:engine', 'fleet'] },
    alarms: [
      new cloudwatch.Alarm(stack, 'Alarm', {
        metric: new cloudwatch.Metric({ namespace: 'Fixture', metricName: 'Errors' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
    ],
    deploymentConfig: config,
    customMinimumHealthyPercent,
    outdatedInstances: 'UPDATE',
  });
  return Template.fromStack(stack);
}

describe('ServerDeployment', () => {
  it.each(SERVER_DEPLOYMENT_CONFIGS.filter((c) => c !== 'Custom'))(
    'CICD-4: %s selected in the config is the group default',
    (config) => {
      inPlaceTemplate(config).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentConfigName: `CodeDeployDefault.${config}`,
      });
    },
  );

  it.each([75, 60])(
    'CICD-4: Custom selects the custom configuration, with at least the configured %i percent of hosts healthy',
    (percent) => {
      const template = inPlaceTemplate('Custom', percent);
      const [customId] = Object.keys(template.findResources('AWS::CodeDeploy::DeploymentConfig'));
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
        MinimumHealthyHosts: { Type: 'FLEET_PERCENT', Value: percent },
      });
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentConfigName: { Ref: customId },
      });
    },
  );

  it('lists every choice the config accepts', () => {
    expect(SERVER_DEPLOYMENT_CONFIGS).toEqual(['AllAtOnce', 'HalfAtATime', 'OneAtATime', 'Custom']);
  });

  it('refuses to suspend scaling processes of instances no ASG owns', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
    expect(
      () =>
        new ServerDeployment(stack, 'InPlace', {
          application: new codedeploy.ServerApplication(stack, 'App'),
          deploymentGroupName: 'fixture',
          target: { instanceTag: ['hello:engine', 'fleet'] },
          alarms: [],
          deploymentConfig: 'AllAtOnce',
          customMinimumHealthyPercent: 75,
          outdatedInstances: 'UPDATE',
          suspendScaling: true,
        }),
    ).toThrow(/suspendScaling needs an Auto Scaling group/);
  });
});
