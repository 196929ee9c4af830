import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dataBucketProps } from '../../foundation/data-bucket.ts';

/** Props of {@link ArtifactBucket}. */
export interface ArtifactBucketProps {
  /** Deterministic name, so the pipeline (a later issue) and the operator tool can compute it. */
  readonly bucketName: string;
  /** The region's estate key: revisions are encrypted with it. */
  readonly key: kms.IKey;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
}

/** Where CodeDeploy revisions of an engine wait in one region: encrypted, versioned, TLS only, logged. */
export class ArtifactBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      // Old revisions only matter for a rollback; 30 days covers any rollback anyone would do.
      ...dataBucketProps({ ...props, noncurrentVersionDays: 30 }),
    });
  }
}
