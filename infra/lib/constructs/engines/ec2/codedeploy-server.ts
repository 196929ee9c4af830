import { Validations } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ServerDeploymentConfigName } from '../../../../config/index.ts';

/**
 * ASG processes CodeDeploy suspends during an in-place deployment (SCALE-5): no AZ rebalancing, health
 * replacement or instance refresh swapping instances under a deployment. ScheduledActions is left out
 * on purpose: a scheduled action that falls inside a suspension is skipped, not replayed, so the 18:00
 * scale-out would be lost to an evening deployment.
 */
export const SUSPENDED_PROCESSES = ['AZRebalance', 'Terminate', 'InstanceRefresh'] as const;

/** What an in-place group deploys to: an Auto Scaling group, or standalone instances by tag. */
export type ServerTarget =
  | { readonly autoScalingGroup: autoscaling.IAutoScalingGroup; readonly instanceTag?: undefined }
  | { readonly instanceTag: readonly [string, string]; readonly autoScalingGroup?: undefined };

/** Props of {@link ServerDeployment}. */
export interface ServerDeploymentProps {
  /** The CodeDeploy application of the engine. */
  readonly application: codedeploy.IServerApplication;
  /** Name of the in-place group (deterministic: the pipeline deploys to it by name). */
  readonly deploymentGroupName: string;
  /** The instances deployed to. */
  readonly target: ServerTarget;
  /** The balancer's target group: instances leave it while they are updated. @default - no traffic control */
  readonly targetGroup?: elbv2.IApplicationTargetGroup;
  /** Alarms that stop and roll back a deployment. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The group's default deployment configuration (CICD-4). */
  readonly deploymentConfig: ServerDeploymentConfigName;
  /** Minimum healthy hosts of the custom configuration, in percent. */
  readonly customMinimumHealthyPercent: number;
  /** Instances launched during a deployment: `UPDATE` deploys to them again, `IGNORE` leaves them. */
  readonly outdatedInstances: 'UPDATE' | 'IGNORE';
  /** Suspend {@link SUSPENDED_PROCESSES} during deployments (ASG targets only). @default false */
  readonly suspendScaling?: boolean;
}

/**
 * An in-place deployment group with automatic rollback on failure and on alarm, plus the engine's one
 * custom deployment configuration. On an ASG it also owns the group's lifecycle hooks: CodeDeploy's launch
 * hook (a new instance gets the last successful revision before it goes InService) and, with
 * `terminationHook`, its termination hook (SCALE-4).
 *
 * The termination hook is CodeDeploy's rather than EventBridge → SSM: on scale-in CodeDeploy runs the
 * revision's own ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic hooks (the same graceful stop
 * that deployments use and that the revision's tests execute), takes the instance out of the target
 * group, then completes the lifecycle action itself. The EventBridge route would need an Automation
 * document, a rule with an input transformer and CompleteLifecycleAction rights to do a second copy of
 * the same stop.
 */
export class ServerDeployment extends Construct {
  /** The in-place group. */
  readonly group: codedeploy.ServerDeploymentGroup;
  /** The custom configuration (selectable per deployment even when it is not the default). */
  readonly customConfig: codedeploy.ServerDeploymentConfig;
  /** The CodeDeploy service role (shared with the blue/green group of the same application). */
  readonly serviceRole: iam.Role;

  constructor(scope: Construct, id: string, props: ServerDeploymentProps) {
    super(scope, id);
    const asg = props.target.autoScalingGroup;
    if (props.suspendScaling === true && asg === undefined) {
      throw new Error(`${this.node.path}: suspendScaling needs an Auto Scaling group target`);
    }
    this.customConfig = new codedeploy.ServerDeploymentConfig(this, 'CustomConfig', {
      minimumHealthyHosts: codedeploy.MinimumHealthyHosts.percentage(props.customMinimumHealthyPercent),
    });
    this.serviceRole = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      description: 'CodeDeploy: deploy to the engine instances, manage their ASG hooks and target group',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRole')],
    });
    Validations.of(this.serviceRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRole]',
      reason:
        'The service role policy AWS maintains for CodeDeploy on EC2/ASG (lifecycle hooks, target groups, SuspendProcesses)',
    });
    const tag = props.target.instanceTag;
    this.group = new codedeploy.ServerDeploymentGroup(this, 'Group', {
      application: props.application,
      role: this.serviceRole,
      deploymentGroupName: props.deploymentGroupName,
      deploymentConfig: this.configFor(props.deploymentConfig),
      autoScalingGroups: asg === undefined ? undefined : [asg],
      ec2InstanceTags: tag === undefined ? undefined : new codedeploy.InstanceTagSet({ [tag[0]]: [tag[1]] }),
      // Every instance installs the agent from its launch template: the group's installer would add a
      // full package update to the ASG's user data (SCALE-7).
      installAgent: false,
      loadBalancers:
        props.targetGroup === undefined
          ? undefined
          : [codedeploy.LoadBalancer.application(props.targetGroup)],
      alarms: [...props.alarms],
      autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: false },
      terminationHook: asg !== undefined,
    });

    // Neither setting is on the L2: set on its L1 child.
    const cfn = this.group.node.defaultChild as codedeploy.CfnDeploymentGroup;
    if (asg !== undefined) cfn.outdatedInstancesStrategy = props.outdatedInstances;
    if (props.suspendScaling === true) {
      cfn.ec2DeploymentOptions = { autoScalingGroupProcessesToSuspend: [...SUSPENDED_PROCESSES] };
      Validations.of(cfn).acknowledge({
        id: 'CloudFormation-Validate::F3002',
        reason:
          'Ec2DeploymentOptions.AutoScalingGroupProcessesToSuspend is in the CloudFormation and CodeDeploy API references; the bundled schema predates it',
      });
    }
  }

  private configFor(name: ServerDeploymentConfigName): codedeploy.IServerDeploymentConfig {
    switch (name) {
      case 'AllAtOnce':
        return codedeploy.ServerDeploymentConfig.ALL_AT_ONCE;
      case 'HalfAtATime':
        return codedeploy.ServerDeploymentConfig.HALF_AT_A_TIME;
      case 'OneAtATime':
        return codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME;
      case 'Custom':
        return this.customConfig;
    }
  }
}
