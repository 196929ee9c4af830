import { type Duration, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { auditBucketProps } from './audit-bucket.ts';

/** Props of {@link EstateTrail}. */
export interface EstateTrailProps {
  /** The trail's name, unique in the account. */
  readonly trailName: string;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** How long delivered log files are kept. */
  readonly retention: Duration;
}

/**
 * The account's CloudTrail trail, declared in its home region: every region's management events
 * (multi-region, global service events included), log file validation so a tampered or deleted file is
 * detected, delivered to a bucket of its own encrypted with a key of its own. Its own key, not the
 * foundation's: the foundation key's policy would have to name this trail, and the trail the key, a
 * cycle between the two stacks. Used when no organization trail already covers the account.
 */
export class EstateTrail extends Construct {
  /** The trail. */
  readonly trail: cloudtrail.Trail;
  /** The key that encrypts its log files. */
  readonly key: kms.Key;
  /** Where it delivers. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: EstateTrailProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const trailArn = `arn:${partition}:cloudtrail:${region}:${account}:trail/${props.trailName}`;
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the log files of the ${props.trailName} trail`,
      enableKeyRotation: true,
    });
    const service = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    // The key policy CloudTrail documents: it may encrypt for this account's trails only, and only this
    // trail may ask.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${account}:trail/*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );

    this.bucket = new s3.Bucket(
      this,
      'Bucket',
      auditBucketProps({
        key: this.key,
        accessLogs: props.accessLogs,
        accessLogsPrefix: 'cloudtrail/',
        retention: props.retention,
      }),
    );

    this.trail = new cloudtrail.Trail(this, 'Resource', {
      trailName: props.trailName,
      bucket: this.bucket,
      encryptionKey: this.key,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
    });
  }
}
