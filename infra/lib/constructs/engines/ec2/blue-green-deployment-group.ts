import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceProvider } from '../../foundation/deploy-time-lookup.ts';

/** Props of {@link BlueGreenDeploymentGroup}. */
export interface BlueGreenDeploymentGroupProps {
  /** The CodeDeploy application of the engine. */
  readonly application: codedeploy.IServerApplication;
  /** Name of the group (deterministic: it is the custom resource's physical id). */
  readonly deploymentGroupName: string;
  /** The CodeDeploy service role (the in-place group's); CodeDeploy acts as it. */
  readonly serviceRole: iam.IRole;
  /** Deployment configuration of the green fleet's installation. */
  readonly deploymentConfig: codedeploy.IServerDeploymentConfig;
  /** The tag that marks the blue (current) fleet, as `[key, value]`. */
  readonly instanceTag: readonly [string, string];
  /** The balancer's target group: traffic moves from blue to green inside it. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** Alarms that stop and roll back a deployment. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** 0: reroute as soon as green is ready; n: wait up to n minutes for an operator to reroute. */
  readonly readyWaitMinutes: number;
  /** Minutes the blue fleet lives on after traffic moved, then it is terminated. */
  readonly terminationWaitMinutes: number;
}

/**
 * The blue/green deployment group of the standalone fleet (CICD-5), created through the CodeDeploy API.
 *
 * Why a custom resource: AWS::CodeDeploy::DeploymentGroup supports blue/green only for Lambda (and ECS
 * through hooks). For EC2 it rejects the group either way: "Property AutoScalingGroups cannot be
 * specified" with COPY_AUTO_SCALING_GROUP, "Exactly one AutoScaling group must be specified" without it
 * (cloudformation-coverage-roadmap#2071), and the CDK L2 has no deployment style at all (aws-cdk#30555).
 * So create, update and delete call CreateDeploymentGroup, UpdateDeploymentGroup and
 * DeleteDeploymentGroup; the properties below are the API's, and a change to any of them is an update.
 *
 * Green fleet: DISCOVER_EXISTING, not COPY_AUTO_SCALING_GROUP. COPY_AUTO_SCALING_GROUP makes CodeDeploy
 * create a new ASG (`CodeDeploy_<group>_d-…`) outside CloudFormation and delete the original after the
 * wait: the stack then describes an ASG that no longer exists, the next `cdk deploy` that touches it
 * fails, its scaling policies, schedule and lifecycle hooks are attached to a deleted name, and the copy
 * is an orphan a stack deletion leaves behind (drift that only a manual import repairs). It would also
 * put a second deployment group on the `asg` engine's group, which AWS advises against (both groups
 * deploy on every scale-out). DISCOVER_EXISTING deploys to instances that already exist (the operator
 * launches the green ones from the fleet's launch template and names them by tag in CreateDeployment's
 * `targetInstances`), so CodeDeploy never creates or deletes a resource CloudFormation owns except the
 * blue instances it terminates; their drift is visible (`cdk diff` and drift detection show the
 * instances gone) and a deploy that changes the fleet replaces them.
 *
 * Draining: blue instances leave the target group with its deregistration delay before they stop.
 */
export class BlueGreenDeploymentGroup extends Construct {
  /** The custom resource (its physical id is the group's name). */
  readonly resource: cr.AwsCustomResource;
  /** The group's ARN. */
  readonly deploymentGroupArn: string;

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentGroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const applicationName = props.application.applicationName;
    this.deploymentGroupArn = stack.formatArn({
      service: 'codedeploy',
      resource: 'deploymentgroup',
      resourceName: `${applicationName}/${props.deploymentGroupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const settings = {
      serviceRoleArn: props.serviceRole.roleArn,
      deploymentConfigName: props.deploymentConfig.deploymentConfigName,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        greenFleetProvisioningOption: { action: 'DISCOVER_EXISTING' },
        deploymentReadyOption:
          props.readyWaitMinutes === 0
            ? { actionOnTimeout: 'CONTINUE_DEPLOYMENT' }
            : { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: props.readyWaitMinutes },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: props.terminationWaitMinutes,
        },
      },
      loadBalancerInfo: { targetGroupInfoList: [{ name: props.targetGroup.targetGroupName }] },
      ec2TagFilters: [{ Key: props.instanceTag[0], Value: props.instanceTag[1], Type: 'KEY_AND_VALUE' }],
      alarmConfiguration: {
        enabled: true,
        ignorePollAlarmFailure: false,
        alarms: props.alarms.map((alarm) => ({ name: alarm.alarmName })),
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
    };
    const physicalResourceId = cr.PhysicalResourceId.of(props.deploymentGroupName);

    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::CodeDeployBlueGreenGroup',
      installLatestAwsSdk: false,
      onCreate: {
        service: 'CodeDeploy',
        action: 'createDeploymentGroup',
        parameters: { applicationName, deploymentGroupName: props.deploymentGroupName, ...settings },
        physicalResourceId,
      },
      onUpdate: {
        service: 'CodeDeploy',
        action: 'updateDeploymentGroup',
        parameters: {
          applicationName,
          currentDeploymentGroupName: props.deploymentGroupName,
          ...settings,
        },
        physicalResourceId,
      },
      onDelete: {
        service: 'CodeDeploy',
        action: 'deleteDeploymentGroup',
        parameters: { applicationName, deploymentGroupName: props.deploymentGroupName },
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: [
            'codedeploy:CreateDeploymentGroup',
            'codedeploy:UpdateDeploymentGroup',
            'codedeploy:DeleteDeploymentGroup',
          ],
          resources: [this.deploymentGroupArn],
        }),
        // Create and Update hand CodeDeploy its service role: the caller must be allowed to pass it
        // (fromSdkCalls would grant the three calls only).
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [props.serviceRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'codedeploy.amazonaws.com' } },
        }),
      ]),
    });
    acknowledgeCustomResourceProvider(
      this,
      "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are the policy above",
    );
  }
}
