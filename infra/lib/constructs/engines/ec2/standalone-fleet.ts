import { Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { Construct } from 'constructs';
import { SERVICE_PORT } from '../service-load-balancer.ts';

/** Props of {@link StandaloneFleet}. */
export interface StandaloneFleetProps {
  /** The region's VPC: instances in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Every instance is launched from it. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** How many instances, spread round-robin over the private subnets' AZs. */
  readonly instances: number;
  /** The balancer's target group the instances register in. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The tag CodeDeploy selects the fleet by, as `[key, value]`. */
  readonly deploymentTag: readonly [string, string];
}

/**
 * N instances that no Auto Scaling group owns: the "standalone fleet" of the exam's in-place deployment
 * questions. The L1 `CfnInstance` because the L2 `Instance` cannot launch from a launch template.
 */
export class StandaloneFleet extends Construct {
  /** The instances, in AZ round-robin order. */
  readonly instances: readonly ec2.CfnInstance[];

  constructor(scope: Construct, id: string, props: StandaloneFleetProps) {
    super(scope, id);
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    const { launchTemplateId, latestVersionNumber } = props.launchTemplate;
    if (launchTemplateId === undefined) throw new Error(`${this.node.path}: the launch template has no id`);
    this.instances = Array.from({ length: props.instances }, (_, i) => {
      const subnet = subnets[i % subnets.length];
      if (subnet === undefined) throw new Error(`${this.node.path}: the VPC has no private subnet`);
      const instance = new ec2.CfnInstance(this, `Instance${i + 1}`, {
        launchTemplate: { launchTemplateId, version: latestVersionNumber },
        subnetId: subnet.subnetId,
        // Mirrors the launch template (cdk-nag reads the instance, not the template it came from).
        monitoring: true,
      });
      props.targetGroup.addTarget(new targets.InstanceIdTarget(instance.ref, SERVICE_PORT));
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-EC29',
        reason:
          'No termination protection: a blue/green deployment terminates the old fleet after its wait (CICD-5)',
      });
      return instance;
    });
    Tags.of(this).add(props.deploymentTag[0], props.deploymentTag[1]);
    Tags.of(this).add('Name', `${props.deploymentTag[1]}-standalone`);
  }
}
