import { Duration, Tags, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { declareLogBucket } from '../../aspects/guardrails.ts';
import { LOG_DELIVERY_TAG } from '../governance/compliance-rules.ts';

/** Props of {@link AccessLogBucket}. */
export interface AccessLogBucketProps {
  /** How long access logs are kept. */
  readonly retention: Duration;
}

/**
 * Where the region's buckets and load balancers write their access logs. S3 server access logging and
 * ALB access logs can only deliver to SSE-S3 buckets, so this is the one bucket not on the estate key.
 */
export class AccessLogBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: props.retention, abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    declareLogBucket(this.bucket);
    // The S3 encryption remediation (GOV-2) leaves it on SSE-S3, which log delivery requires.
    Tags.of(this.bucket).add(LOG_DELIVERY_TAG.key, LOG_DELIVERY_TAG.value);
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket itself; logging it into itself would log its own log writes forever',
    });
  }
}
