import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { only, props, resources, target } from './ec2-template.ts';

const ASG_STACKS = DEFAULT_CONFIG.engines.asg.regions.map((r) => `Hello-Asg-${r}`);
const { asg, deployment } = DEFAULT_CONFIG.ec2;

describe.each(ASG_STACKS)('%s', (name) => {
  const stack = estate('lab').stack(name);
  const json = stack.json;
  const [groupId, group] = only(json, 'AWS::AutoScaling::AutoScalingGroup');
  const [, deploymentGroup] = only(json, 'AWS::CodeDeploy::DeploymentGroup');

  it('SCALE-1: min 2, max 20, 5 at creation, from the launch template, over the AZs of three subnets', () => {
    expect(group.Properties).toMatchObject({ MinSize: '2', MaxSize: '20', DesiredCapacity: '5' });
    expect(group.Properties?.LaunchConfigurationName).toBeUndefined();
    const [templateId] = only(json, 'AWS::EC2::LaunchTemplate');
    expect(target((props(group).LaunchTemplate as Record<string, unknown>).LaunchTemplateId)).toBe(
      templateId,
    );
    // Each subnet arrives as an output of the region's foundation: follow it to the subnet's AZ.
    const foundation = estate('lab').stack(`Hello-Foundation-${stack.region}`).json;
    const outputs = (foundation.Outputs ?? {}) as Record<string, { Value: unknown }>;
    const zones = (props(group).VPCZoneIdentifier as Record<string, { OutputName: string }>[]).map((ref) => {
      const subnetId = target(outputs[ref['Fn::GetStackOutput']?.OutputName ?? '']?.Value);
      return foundation.Resources[subnetId ?? '']?.Properties?.AvailabilityZone;
    });
    expect(new Set(zones).size).toBeGreaterThanOrEqual(2);
    expect(zones.every((z) => typeof z === 'string' && z.startsWith(stack.region))).toBe(true);
  });

  it('SCALE-1: a redeploy keeps the running size (scheduled actions make CloudFormation ignore unchanged sizes)', () => {
    expect(group.UpdatePolicy).toEqual({
      AutoScalingScheduledAction: { IgnoreUnmodifiedGroupSizeProperties: true },
    });
  });

  it('SCALE-2: 20 at 18:00 and back to 5 at 23:00 in the configured time zone', () => {
    const actions = resources(json, 'AWS::AutoScaling::ScheduledAction').map(([, a]) => a.Properties);
    expect(actions).toHaveLength(2);
    expect(actions).toEqual(
      expect.arrayContaining([
        {
          AutoScalingGroupName: { Ref: groupId },
          Recurrence: '00 18 * * *',
          TimeZone: DEFAULT_CONFIG.scheduling.timeZone,
          MinSize: 20,
          DesiredCapacity: 20,
        },
        {
          AutoScalingGroupName: { Ref: groupId },
          Recurrence: '00 23 * * *',
          TimeZone: DEFAULT_CONFIG.scheduling.timeZone,
          MinSize: 2,
          DesiredCapacity: 5,
        },
      ]),
    );
  });

  it('SCALE-3: tracks the average CPU of the group', () => {
    const [, policy] = only(json, 'AWS::AutoScaling::ScalingPolicy');
    expect(policy.Properties).toMatchObject({
      AutoScalingGroupName: { Ref: groupId },
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: asg.cpuTargetPercent,
      },
    });
  });

  it('replaces instances the ALB finds unhealthy, after a grace period, and launches elsewhere when an AZ fails', () => {
    expect(group.Properties).toMatchObject({
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: asg.healthCheckGraceSeconds,
      AvailabilityZoneDistribution: { CapacityDistributionStrategy: 'balanced-best-effort' },
    });
    const [tgId] = only(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(group.Properties?.TargetGroupARNs).toEqual([{ Ref: tgId }]);
  });

  it("SCALE-4: CodeDeploy's termination hook runs the revision's stop hooks before an instance ends", () => {
    expect(deploymentGroup.Properties).toMatchObject({
      TerminationHookEnabled: true,
      AutoScalingGroups: [{ Ref: groupId }],
    });
  });

  it('SCALE-5: the in-place group is on the ASG (launch hook), updates outdated instances, suspends scaling processes', () => {
    expect(deploymentGroup.Properties).toMatchObject({
      AutoScalingGroups: [{ Ref: groupId }],
      OutdatedInstancesStrategy: deployment.outdatedInstances,
      Ec2DeploymentOptions: {
        AutoScalingGroupProcessesToSuspend: ['AZRebalance', 'Terminate', 'InstanceRefresh'],
      },
      DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
    // A suspended scheduled action is skipped, not replayed: the 18:00 scale-out must never be.
    expect(JSON.stringify(deploymentGroup.Properties?.Ec2DeploymentOptions)).not.toContain(
      'ScheduledActions',
    );
  });

  it("SCALE-1: the ASG's service-linked role may use the estate key, which a fresh account without the role accepts", () => {
    const foundation = estate('lab').stack(`Hello-Foundation-${stack.region}`).json;
    const [, key] = only(foundation, 'AWS::KMS::Key');
    const statements = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    // KMS validates the principals of a key policy when it is written: a service-linked role named
    // there fails the key in an account where Auto Scaling never ran.
    expect(statements.filter((s) => JSON.stringify(s.Principal).includes('aws-service-role/'))).toEqual([]);
    const role = `arn:aws:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const forRole = statements.filter(
      (s) =>
        (s.Condition as { ArnEquals?: Record<string, unknown> })?.ArnEquals?.['aws:PrincipalArn'] === role,
    );
    expect(forRole).toEqual([
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': role },
          StringEquals: { 'kms:CallerAccount': stack.account },
        },
      }),
      expect.objectContaining({
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': role },
          StringEquals: { 'kms:CallerAccount': stack.account },
          Bool: { 'kms:GrantIsForAWSResource': true },
        },
      }),
    ]);
  });

  it('publishes the CPU stress document name for the operator tool', () => {
    const [documentId] = only(json, 'AWS::SSM::Document');
    const published = resources(json, 'AWS::SSM::Parameter').find(
      ([, p]) => p.Properties?.Name === `/hello/${stack.region}/asg/cpu-stress-document`,
    )?.[1];
    expect(published?.Properties?.Value).toEqual({ Ref: documentId });
  });
});
