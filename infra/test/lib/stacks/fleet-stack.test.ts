import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { flatten, launchTemplateData, only, props, resources, target } from './ec2-template.ts';

const stack = estate('lab').stack('Hello-Fleet-us-east-1');
const json = stack.json;
const { deployment, rollback } = DEFAULT_CONFIG.ec2;

const [targetGroupId, targetGroup] = only(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
const [, inPlace] = only(json, 'AWS::CodeDeploy::DeploymentGroup');
const [, blueGreen] = only(json, 'Custom::CodeDeployBlueGreenGroup');
/** An SDK call of the custom resource, with its references as `<Ref:Id>` / `<Id.Attr>` markers. */
const call = (phase: 'Create' | 'Update' | 'Delete') =>
  JSON.parse(flatten(blueGreen.Properties?.[phase])) as {
    service: string;
    action: string;
    parameters: Record<string, unknown> & {
      blueGreenDeploymentConfiguration?: Record<string, Record<string, unknown>>;
      alarmConfiguration?: { enabled: boolean; alarms: { name: string }[] };
      autoRollbackConfiguration?: { enabled: boolean; events: string[] };
    };
  };
const alarmId = (prefix: string) =>
  resources(json, 'AWS::CloudWatch::Alarm').find(([id]) => id.startsWith(prefix))?.[0] ?? 'none';

describe('Hello-Fleet-us-east-1', () => {
  it('runs the configured number of standalone instances over the three AZs, all behind the ALB', () => {
    const instances = resources(json, 'AWS::EC2::Instance');
    expect(instances).toHaveLength(DEFAULT_CONFIG.ec2.fleetInstances);
    const subnets = new Set(instances.map(([, i]) => JSON.stringify(i.Properties?.SubnetId)));
    expect(subnets.size).toBe(3);
    const registered = (props(targetGroup).Targets as { Id: unknown; Port: number }[]).map((t) => [
      target(t.Id),
      t.Port,
    ]);
    expect(registered.sort()).toEqual(instances.map(([id]) => [id, 8080]).sort());
    const [templateId] = only(json, 'AWS::EC2::LaunchTemplate');
    for (const [id, instance] of instances) {
      expect(target((props(instance).LaunchTemplate as Record<string, unknown>).LaunchTemplateId), id).toBe(
        templateId,
      );
      expect(instance.Properties?.Tags, id).toContainEqual({ Key: 'hello:engine', Value: 'fleet' });
    }
  });

  it('CICD-4: the in-place group deploys to the tagged fleet with the configured deployment configuration', () => {
    expect(inPlace.Properties).toMatchObject({
      DeploymentGroupName: 'Hello-fleet-in-place',
      DeploymentConfigName: `CodeDeployDefault.${deployment.config}`,
      Ec2TagSet: {
        Ec2TagSetList: [{ Ec2TagGroup: [{ Key: 'hello:engine', Value: 'fleet', Type: 'KEY_AND_VALUE' }] }],
      },
      LoadBalancerInfo: {
        TargetGroupInfoList: [{ Name: { 'Fn::GetAtt': [targetGroupId, 'TargetGroupName'] } }],
      },
    });
    const [, custom] = only(json, 'AWS::CodeDeploy::DeploymentConfig');
    expect(custom.Properties?.MinimumHealthyHosts).toEqual({
      Type: 'FLEET_PERCENT',
      Value: deployment.customMinimumHealthyPercent,
    });
  });

  it('CICD-5: creates the blue/green group through the CodeDeploy API: BLUE_GREEN with traffic control behind the ALB target group', () => {
    const create = call('Create');
    expect([create.service, create.action]).toEqual(['CodeDeploy', 'createDeploymentGroup']);
    expect(create.parameters).toMatchObject({
      deploymentGroupName: 'Hello-fleet-blue-green',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: { targetGroupInfoList: [{ name: `<${targetGroupId}.TargetGroupName>` }] },
      ec2TagFilters: [{ Key: 'hello:engine', Value: 'fleet', Type: 'KEY_AND_VALUE' }],
    });
    expect(create.parameters.blueGreenDeploymentConfiguration).toEqual({
      greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: {
        action: 'TERMINATE',
        terminationWaitTimeInMinutes: deployment.blueGreen.terminationWaitMinutes,
      },
    });
  });

  it('CICD-5: updates the group in place by its current name and deletes it with the stack', () => {
    const update = call('Update');
    expect(update.action).toBe('updateDeploymentGroup');
    expect(update.parameters.currentDeploymentGroupName).toBe('Hello-fleet-blue-green');
    expect(update.parameters.blueGreenDeploymentConfiguration).toEqual(
      call('Create').parameters.blueGreenDeploymentConfiguration,
    );
    const remove = call('Delete');
    expect([remove.action, remove.parameters.deploymentGroupName]).toEqual([
      'deleteDeploymentGroup',
      'Hello-fleet-blue-green',
    ]);
  });

  it('CICD-5: the custom resource may pass the CodeDeploy service role, and only to CodeDeploy', () => {
    const serviceRole = target(inPlace.Properties?.ServiceRoleArn);
    expect(call('Create').parameters.serviceRoleArn).toBe(`<${serviceRole}.Arn>`);
    const statements = resources(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('BlueGreen'))
      .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    expect(statements).toContainEqual({
      Action: 'iam:PassRole',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [serviceRole, 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'codedeploy.amazonaws.com' } },
    });
    const sdk = statements.find((s) => JSON.stringify(s.Action).includes('CreateDeploymentGroup'));
    expect(flatten(sdk?.Resource)).toMatch(
      /^arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:<Ref:/,
    );
  });

  it('CICD-5: the target group drains deregistered instances for the configured delay', () => {
    expect(targetGroup.Properties?.TargetGroupAttributes).toContainEqual({
      Key: 'deregistration_delay.timeout_seconds',
      Value: String(deployment.deregistrationDelaySeconds),
    });
  });

  it.each([
    ['CICD-6', 'the 5xx alarm', 'ServiceRollbackAlarmsHttp5xx'],
    ['CICD-7', 'the failure-record alarm', 'ServiceRollbackAlarmsFailureRecords'],
  ])('%s: %s stops and rolls back both deployment groups', (_id, _what, prefix) => {
    const alarm = alarmId(prefix);
    expect(inPlace.Properties?.AlarmConfiguration).toMatchObject({ Enabled: true });
    expect((props(inPlace).AlarmConfiguration as { Alarms: unknown[] }).Alarms).toContainEqual({
      Name: { Ref: alarm },
    });
    expect(inPlace.Properties?.AutoRollbackConfiguration).toEqual({
      Enabled: true,
      Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
    const { alarmConfiguration, autoRollbackConfiguration } = call('Create').parameters;
    expect(alarmConfiguration?.enabled).toBe(true);
    expect(alarmConfiguration?.alarms).toContainEqual({ name: `<Ref:${alarm}>` });
    expect(autoRollbackConfiguration).toEqual({
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
  });

  it('CICD-6: the 5xx alarm sums ALB and target 5xx per period against the configured threshold', () => {
    const [, alarm] =
      resources(json, 'AWS::CloudWatch::Alarm').find(
        ([id]) => id === alarmId('ServiceRollbackAlarmsHttp5xx'),
      ) ?? [];
    expect(alarm?.Properties).toMatchObject({
      Threshold: rollback.http5xxThreshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    const metrics = alarm?.Properties?.Metrics as {
      MetricStat?: { Metric: { MetricName: string }; Stat: string; Period: number };
    }[];
    expect(
      metrics.flatMap((m) => (m.MetricStat === undefined ? [] : [m.MetricStat.Metric.MetricName])).sort(),
    ).toEqual(['HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count']);
    for (const m of metrics) {
      if (m.MetricStat !== undefined)
        expect([m.MetricStat.Stat, m.MetricStat.Period]).toEqual(['Sum', rollback.periodSeconds]);
    }
  });
});

describe.each(['Hello-Fleet-us-east-1', ...DEFAULT_CONFIG.engines.asg.regions.map((r) => `Hello-Asg-${r}`)])(
  'the user data of %s',
  (name) => {
    const script = flatten(launchTemplateData(estate('lab').stack(name).json).UserData);

    it('SCALE-7: installs only the two agents and their runtime, no full package update (a launch stays fast and deterministic)', () => {
      const packageCommands = script
        .split('\n')
        .filter((line) => /\b(dnf|yum|apt-get|\$PKG_CMD)\b/.test(line));
      // Each only where the image lacks the agent (the golden AMI has both).
      expect(packageCommands).toEqual(['  dnf install -y amazon-cloudwatch-agent', '  dnf install -y ruby']);
      expect(script).toContain('/tmp/codedeploy-install auto');
    });
  },
);
