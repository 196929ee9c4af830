import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** What decides a data bucket: the rest is the estate's one recipe. */
export interface DataBucketSettings {
  /** Deterministic name, so other accounts, regions and the operator tool can compute it. */
  readonly bucketName: string;
  /** The key objects are encrypted with (the site's estate key). */
  readonly key: kms.IKey;
  /** The site's access-log bucket; this bucket logs under a prefix of its own name. */
  readonly accessLogs: s3.IBucket;
  /** Days an overwritten or deleted object's older version is kept. */
  readonly noncurrentVersionDays: number;
}

/**
 * Props of every bucket that keeps data (revisions, exports, replicas): KMS with a bucket key, TLS only,
 * versioned, private, owner-enforced, logged, and old versions expiring.
 */
export function dataBucketProps(settings: DataBucketSettings): s3.BucketProps {
  return {
    bucketName: settings.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: settings.key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: settings.accessLogs,
    serverAccessLogsPrefix: `${settings.bucketName}/`,
    lifecycleRules: [
      {
        noncurrentVersionExpiration: Duration.days(settings.noncurrentVersionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  };
}
