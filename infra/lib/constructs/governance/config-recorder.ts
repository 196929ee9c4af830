import { type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { auditBucketProps } from './audit-bucket.ts';

/** Props of {@link ConfigRecorder}. */
export interface ConfigRecorderProps {
  /** The resource types recorded: those the site's rules evaluate, and no more (each recorded change is billed). */
  readonly resourceTypes: readonly config.ResourceType[];
  /** The region's estate key: encrypts the delivered history and snapshots. */
  readonly key: kms.IKey;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** How long delivered history is kept. */
  readonly retention: Duration;
}

/**
 * AWS Config's recorder and delivery channel of one account and region (Config allows one of each), and
 * the encrypted bucket it delivers to. Only the types the rules evaluate are recorded, continuously, so
 * a new instance is evaluated minutes after launch and the bill stays at a few cents a month. The
 * recorder runs as a role of ours rather than Config's service-linked role, which a fresh account lacks.
 * CloudFormation starts the recorder once the delivery channel exists.
 */
export class ConfigRecorder extends Construct {
  /** The recorder. */
  readonly recorder: config.CfnConfigurationRecorder;
  /** The delivery channel. */
  readonly channel: config.CfnDeliveryChannel;
  /** Where Config delivers history and snapshots. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ConfigRecorderProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWS_ConfigRole')],
      description: 'AWS Config recorder: reads the recorded resources, delivers to the Config bucket',
    });
    this.bucket = new s3.Bucket(
      this,
      'Bucket',
      auditBucketProps({
        key: props.key,
        accessLogs: props.accessLogs,
        accessLogsPrefix: 'config/',
        retention: props.retention,
      }),
    );
    // Config checks the bucket's ACL before its first delivery, then writes under AWSLogs/<account>/.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketAcl'], resources: [this.bucket.bucketArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`AWSLogs/${account}/Config/*`)],
      }),
    );
    // With a bucket key, S3 asks KMS for a data key per bucket key, not per object; only through S3, so
    // the role cannot decrypt anything else under the region's key.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );

    this.recorder = new config.CfnConfigurationRecorder(this, 'Resource', {
      roleArn: role.roleArn,
      recordingGroup: {
        allSupported: false,
        includeGlobalResourceTypes: false,
        resourceTypes: props.resourceTypes.map((t) => t.complianceResourceType),
        recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' },
      },
      recordingMode: { recordingFrequency: 'CONTINUOUS' },
    });
    this.channel = new config.CfnDeliveryChannel(this, 'Channel', {
      s3BucketName: this.bucket.bucketName,
      s3KmsKeyArn: props.key.keyArn,
      configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' },
    });
    // The channel is refused until the role may write to the bucket.
    this.channel.node.addDependency(role);

    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole]`,
      reason:
        'AWS’s own policy for a Config recorder: read-only calls over the types Config records, kept current by AWS',
    });
    const bucketId = Stack.of(this).resolve(
      Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket),
    ) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/AWSLogs/${account}/Config/*]`,
      reason: 'Config writes one object per delivery under its own prefix of this bucket',
    });
  }
}
