import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  type DatabaseReader,
  type DatabaseSecretAccess,
  grantDatabaseHost,
  grantDatabaseSecret,
} from '../../data/database-access.ts';
import { type DrainSwitchReader, grantDrainSwitch } from '../../traffic/drain-switch.ts';

/** Props of {@link ServiceInstanceRole}. */
export interface ServiceInstanceRoleProps {
  /** The bucket CodeDeploy revisions are read from. */
  readonly artifacts: s3.IBucket;
  /**
   * The region's release artifact bucket: a pipeline's CodeDeploy action hands the agent a revision in
   * the pipeline's own bucket, not the engine's. @default - none (no pipeline)
   */
  readonly releaseArtifacts?: s3.IBucket;
  /** The service's settings parameter. */
  readonly settings: ssm.IParameter;
  /** The region's estate key (revisions and parameters are encrypted with it). */
  readonly key: kms.IKey;
}

/**
 * What an instance of an EC2 engine may do, and nothing more: Session Manager, the CloudWatch agent,
 * read its revisions (decrypting them through S3), its settings parameter.
 */
export class ServiceInstanceRole extends Construct implements DatabaseReader, DrainSwitchReader {
  /** The role (the launch template makes its instance profile). */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceInstanceRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'EC2 engine instances: Session Manager, CloudWatch agent, revisions, settings',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'),
      ],
    });
    const revisionBuckets = [props.artifacts, ...(props.releaseArtifacts ? [props.releaseArtifacts] : [])];
    // The reads grantRead would give, without its unconditioned kms:Decrypt on the bucket's key.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
        resources: revisionBuckets.flatMap((bucket) => [bucket.bucketArn, bucket.arnForObjects('*')]),
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [props.settings.parameterArn],
      }),
    );
    // The estate key also protects the region's secrets and SecureStrings, which the SSM managed policy
    // could otherwise read: decrypt only what S3 decrypts for the artifact bucket (a bucket key's
    // encryption context is the bucket's ARN; a list matches any of them).
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RevisionsKey',
        actions: ['kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': revisionBuckets.map((bucket) => bucket.bucketArn),
          },
        },
      }),
    );

    const bucketId = stack.resolve(stack.getLogicalId(props.artifacts.node.defaultChild as s3.CfnBucket));
    const acknowledge = (ruleId: string, reason: string) =>
      Validations.of(this.role).acknowledge({ id: ruleId, reason });
    acknowledge(
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]`,
      'Session Manager replaces SSH (SCALE-7); AWS maintains the exact SSM agent permissions in this policy',
    );
    acknowledge(
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]`,
      'The CloudWatch agent ships the service log; AWS maintains its permissions with the agent',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'grantRead: the object read actions (GetObject, GetObjectVersion, ...) of the artifact bucket only',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'grantRead: bucket metadata reads of the artifact bucket only (CodeDeploy agent checks location)',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::s3:List*]',
      'grantRead: listing the artifact bucket only, so a missing revision reads as 404 instead of 403',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      'Revisions are objects under any key of the engine artifact bucket, which holds nothing else',
    );
    if (props.releaseArtifacts !== undefined) {
      acknowledge(
        `AwsSolutions-IAM5[Resource::${props.releaseArtifacts.arnForObjects('*')}]`,
        "A release's revisions are objects under keys CodePipeline chooses in the region's release bucket",
      );
    }
  }

  allowDatabaseSecret(secret: DatabaseSecretAccess): void {
    grantDatabaseSecret(this.role, secret);
  }

  allowDatabaseHost(parameterName: string): void {
    grantDatabaseHost(this.role, parameterName);
  }

  allowDrainSwitch(parameterName: string): void {
    grantDrainSwitch(this.role, parameterName);
  }
}
