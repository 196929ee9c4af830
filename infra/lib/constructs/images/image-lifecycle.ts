import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { Construct } from 'constructs';

/** Props of {@link ImageLifecycle}. */
export interface ImageLifecycleProps {
  /** Name of the policy. */
  readonly name: string;
  /** The recipe whose images it manages, by name and version. */
  readonly recipe: { readonly name: string; readonly version: string };
  /** Images kept (config `goldenAmi.keepImages`). */
  readonly keep: number;
}

/**
 * Keeps the newest `keep` golden images and deletes older ones with their AMIs and snapshots in every
 * region they were copied to. Copies the recovery account owns are its own and stay.
 */
export class ImageLifecycle extends Construct {
  /** The lifecycle policy. */
  readonly policy: imagebuilder.CfnLifecyclePolicy;

  constructor(scope: Construct, id: string, props: ImageLifecycleProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
      description: 'Image Builder lifecycle policy: deletes golden images beyond the newest kept',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/EC2ImageBuilderLifecycleExecutionPolicy'),
      ],
    });
    this.policy = new imagebuilder.CfnLifecyclePolicy(this, 'Resource', {
      name: props.name,
      description: `Keep the newest ${props.keep} golden images; delete older AMIs and snapshots`,
      executionRole: role.roleArn,
      resourceType: 'AMI_IMAGE',
      status: 'ENABLED',
      resourceSelection: { recipes: [{ name: props.recipe.name, semanticVersion: props.recipe.version }] },
      policyDetails: [
        {
          action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
          filter: { type: 'COUNT', value: props.keep },
        },
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]',
      reason:
        'The AWS-maintained policy Image Builder documents for lifecycle actions; it touches only images tagged CreatedBy EC2 Image Builder',
    });
  }
}
