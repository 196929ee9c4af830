import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dataBucketProps } from '../foundation/data-bucket.ts';

/** Props of {@link StandbyReleases}. */
export interface StandbyReleasesProps {
  /** Deterministic name of the bucket (standbyNames), so the pipeline and `recover` compute it. */
  readonly bucketName: string;
  /** Deterministic name of the role the pipeline's Standby action assumes. */
  readonly roleName: string;
  /** The recovery site's estate key: the bucket's default encryption. */
  readonly key: kms.IKey;
  /** The recovery site's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** The account the pipeline runs in. */
  readonly pipelineAccount: string;
  /** The name of the pipeline's role in that account: the only principal that may assume the role. */
  readonly pipelineRoleName: string;
  /** The pipeline's artifact bucket in this region (its account), which the action reads its input from. */
  readonly artifactBucket: string;
  /** The alias of the key that encrypts that bucket (the estate key alias of the pipeline's account). */
  readonly artifactKeyAlias: string;
}

/**
 * The recovery account's copy of every release (CICD-8): a versioned bucket the pipeline's last stage
 * writes the release's bundles and `release.json` into, and the role that stage's S3 deploy action
 * assumes. The role trusts the pipeline's account only for the pipeline's own role (the
 * `aws:PrincipalArn` condition on the account, so the trust is valid before that role exists); it may
 * read the action's input from the pipeline's artifact bucket of this region, decrypt it with that
 * bucket's key through S3, and put objects into this bucket, encrypting with this account's key
 * through S3. Nothing else: no delete, no list, no other bucket or key.
 */
export class StandbyReleases extends Construct {
  /** The bucket of released bundles. */
  readonly bucket: s3.Bucket;
  /** The role the pipeline's Standby action assumes. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StandbyReleasesProps) {
    super(scope, id);
    const { partition, region } = Stack.of(this);
    // A release is kept a year after a newer one overwrites `latest/`: enough to redeploy any release
    // of the year after an account loss.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...dataBucketProps({ ...props, noncurrentVersionDays: 365 }),
    });
    const pipelineRoleArn = `arn:${partition}:iam::${props.pipelineAccount}:role/${props.pipelineRoleName}`;
    this.role = new iam.Role(this, 'DeliveryRole', {
      roleName: props.roleName,
      description: "Assumed by the release pipeline's Standby stage to copy each release into this account",
      assumedBy: new iam.AccountPrincipal(props.pipelineAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': pipelineRoleArn },
      }),
    });
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } };
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReleases',
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    // Multipart uploads of the larger bundles decrypt the parts' data keys as well.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptReleases',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: viaS3,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadActionInput',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [`arn:${partition}:s3:::${props.artifactBucket}/*`],
      }),
    );
    // The artifact key's id is not known here (another account's key); its alias is.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptActionInput',
        actions: ['kms:Decrypt'],
        resources: [`arn:${partition}:kms:${region}:${props.pipelineAccount}:key/*`],
        conditions: {
          ...viaS3,
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': props.artifactKeyAlias },
        },
      }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason:
          'Puts the files of each release under releases/<version>/ and latest/, keys a release decides',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${props.artifactBucket}/*]`,
        reason: "Reads the action's input artifact, under a key CodePipeline chooses for each execution",
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:kms:${region}:${props.pipelineAccount}:key/*]`,
        reason:
          'The artifact key of another account, whose id is not known here: narrowed to its alias (kms:ResourceAliases) and to S3 in this region',
      },
    );
  }
}
