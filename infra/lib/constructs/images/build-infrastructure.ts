import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** Props of {@link BuildInfrastructure}. */
export interface BuildInfrastructureProps {
  /** Name of the infrastructure configuration. */
  readonly name: string;
  /** The home region's VPC: build and test instances run in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Build and test instance type (config `goldenAmi.buildInstanceType`). */
  readonly instanceType: string;
  /** The region's alarm topic: Image Builder reports every image's end state there. */
  readonly topic: sns.ITopic;
  /** The service bundle the test component boots, and the parameter naming it. */
  readonly testBundle: { readonly asset: s3assets.Asset; readonly parameter: ssm.IStringParameter };
}

/**
 * Where images are built and tested: instances in a private subnet (out through the NAT gateway to the
 * package repositories and the CodeDeploy bucket), no inbound rule, IMDSv2 only, terminated on failure,
 * with a role that may do what AWSTOE and Session Manager need (AWSTOE's managed policy includes writing
 * the build log to `/aws/imagebuilder/*`) and read the test bundle.
 */
export class BuildInfrastructure extends Construct {
  /** The build instances' role. */
  readonly role: iam.Role;
  /** The infrastructure configuration. */
  readonly configuration: imagebuilder.CfnInfrastructureConfiguration;

  constructor(scope: Construct, id: string, props: BuildInfrastructureProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Golden image build and test instances: AWSTOE, Session Manager, build log, test bundle',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    // The one bundle object, not the whole asset bucket grantRead would open.
    const { asset } = props.testBundle;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Stack.of(this).partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
      }),
    );
    props.testBundle.parameter.grantRead(this.role);
    const profile = new iam.CfnInstanceProfile(this, 'Profile', { roles: [this.role.roleName] });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Golden image build and test instances: outbound only',
      allowAllOutbound: true,
    });
    const [subnet] = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    this.configuration = new imagebuilder.CfnInfrastructureConfiguration(this, 'Resource', {
      name: props.name,
      description: 'Golden image builds: private subnet, no inbound, IMDSv2, logs to CloudWatch',
      instanceProfileName: profile.ref,
      instanceTypes: [props.instanceType],
      subnetId: subnet,
      securityGroupIds: [securityGroup.securityGroupId],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      snsTopicArn: props.topic.topicArn,
    });
    this.configuration.addDependency(profile);

    const { partition } = Stack.of(this);
    const acknowledge = (ruleId: string, reason: string) =>
      Validations.of(this.role).acknowledge({ id: ruleId, reason });
    acknowledge(
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]`,
      'Image Builder drives the build instance through Systems Manager; AWS maintains the agent permissions',
    );
    acknowledge(
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]`,
      `AWSTOE on the build instance reads components and reports through this policy, maintained by AWS (${partition})`,
    );
  }
}
