import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** What decides an audit bucket: the rest is one recipe. */
export interface AuditBucketSettings {
  /** The key the records are encrypted with. */
  readonly key: kms.IKey;
  /** The site's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** Where this bucket's access logs go in it (`config/`, `cloudtrail/`). */
  readonly accessLogsPrefix: string;
  /** How long a record is kept. */
  readonly retention: Duration;
}

/**
 * Props of a bucket a service delivers audit records to (AWS Config's snapshots and history, CloudTrail's
 * logs): KMS with a bucket key, TLS only, versioned, private, owner-enforced, logged; records expire after
 * the retention, and an overwritten version after a day (the service writes each record once).
 */
export function auditBucketProps(settings: AuditBucketSettings): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: settings.key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: settings.accessLogs,
    serverAccessLogsPrefix: settings.accessLogsPrefix,
    lifecycleRules: [
      {
        expiration: settings.retention,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  };
}
