import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dataBucketProps } from '../foundation/data-bucket.ts';

/** Where a source bucket's objects go: a bucket of another account, known by name only. */
export interface ReplicaDestination {
  /** The account that owns the replica bucket (and becomes the owner of the replicas). */
  readonly account: string;
  /** Its region. */
  readonly region: string;
  /** The replica bucket's deterministic name. */
  readonly bucketName: string;
  /** The alias of the destination account's key in that region (`alias/hello/estate`). */
  readonly keyAlias: string;
}

/** Props of {@link BucketReplication}. */
export interface BucketReplicationProps {
  /** Deterministic name of the replication role, which the destination's policies name. */
  readonly roleName: string;
  /** The replica bucket. */
  readonly destination: ReplicaDestination;
  /**
   * S3 Replication Time Control (15 minutes, with its metrics): a paid extra, on in production.
   * @default false
   */
  readonly replicationTimeControl?: boolean;
}

/** A source bucket's side of the replication: what the bucket spreads into its props. */
export type ReplicatedBucketProps = Required<Pick<s3.BucketProps, 'replicationRole' | 'replicationRules'>>;

/** The ARN of the replica bucket, by name. */
export function replicaBucketArn(partition: string, bucketName: string): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

/**
 * Replication of data buckets to the recovery account: one role, one rule per source bucket, replicas
 * owned by the destination account and re-encrypted with its key. The role's name is deterministic
 * because the destination account's bucket policy and key policy name it before it exists.
 */
export class BucketReplication extends Construct {
  /** The role S3 assumes to replicate. */
  readonly role: iam.Role;
  /** The replica bucket, as the source stack sees it. */
  readonly destination: s3.IBucket;
  /** The destination key, by alias ARN (KMS accepts an alias ARN of another account for encryption). */
  readonly destinationKey: kms.IKey;
  private readonly props: BucketReplicationProps;

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    this.props = props;
    const { partition } = Stack.of(this);
    const { destination } = props;
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Replicates data buckets to ${destination.bucketName}`,
    });
    this.destination = s3.Bucket.fromBucketAttributes(this, 'Destination', {
      bucketArn: replicaBucketArn(partition, destination.bucketName),
      account: destination.account,
      region: destination.region,
    });
    this.destinationKey = kms.Key.fromKeyArn(
      this,
      'DestinationKey',
      `arn:${partition}:kms:${destination.region}:${destination.account}:${destination.keyAlias}`,
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:ReplicateObject',
          's3:ReplicateDelete',
          's3:ReplicateTags',
          's3:ObjectOwnerOverrideToBucketOwner',
        ],
        resources: [this.destination.arnForObjects('*')],
      }),
    );
    // An IAM policy names a key by key ARN, never by alias; the key id of another account is not known
    // here, so: any key of that account and region, used through S3. Its key policy is the real gate.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [`arn:${partition}:kms:${destination.region}:${destination.account}:key/*`],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` } },
      }),
    );
    this.acknowledge(
      this.destination.arnForObjects('*'),
      'Replication writes every object version of the replica bucket',
    );
    this.acknowledge(
      `arn:${partition}:kms:${destination.region}:${destination.account}:key/*`,
      "The destination key's id is not known in this account; only through S3 in that region",
    );
  }

  private acknowledge(arn: string, reason: string): void {
    const id = `AwsSolutions-IAM5[Resource::${Stack.of(this).resolve(arn)}]`;
    Validations.of(this.role).acknowledge({ id, reason });
  }

  /**
   * The props a source bucket (versioned, SSE-KMS with `key`) is created with, and the role's reads of
   * it. Source buckets share the replica bucket and S3 keeps object keys as they are: give each source
   * its own key prefix when two could write the same key.
   * @param prefix only keys under it replicate (default: every key)
   */
  sourceProps(bucketName: string, key: kms.IKey, prefix = ''): ReplicatedBucketProps {
    const { partition, region } = Stack.of(this);
    const arn = `arn:${partition}:s3:::${bucketName}`;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [arn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionTagging',
        ],
        resources: [`${arn}/*`],
      }),
    );
    this.acknowledge(`${arn}/*`, 'Replication reads every object version of the source bucket');
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
    const rtc =
      this.props.replicationTimeControl === true ? s3.ReplicationTimeValue.FIFTEEN_MINUTES : undefined;
    return {
      replicationRole: this.role,
      replicationRules: [
        {
          id: 'to-recovery-account',
          // One rule per source bucket's configuration; a priority is what S3 needs with a filter.
          priority: 1,
          destination: this.destination,
          accessControlTransition: true,
          kmsKey: this.destinationKey,
          sseKmsEncryptedObjects: true,
          deleteMarkerReplication: true,
          replicationTimeControl: rtc,
          metrics: rtc,
          filter: { prefix },
        },
      ],
    };
  }
}

/** Props of {@link ReplicaBucket}. */
export interface ReplicaBucketProps {
  /** The deterministic name the source side computes. */
  readonly bucketName: string;
  /** This account's key in this region: replicas are re-encrypted with it. */
  readonly key: kms.Key;
  /** This region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** The account whose replication role writes here. */
  readonly sourceAccount: string;
  /** That role's name. */
  readonly sourceRoleName: string;
  /**
   * Days an overwritten or deleted replica version is kept.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The destination of {@link BucketReplication}, in the recovery account. Bucket and key policies name
 * the source role through `aws:PrincipalArn` under the source account: S3 and KMS reject a policy whose
 * principal is a role that does not exist yet, and this stack deploys before the source's.
 */
export class ReplicaBucket extends Construct {
  /** The bucket. */
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReplicaBucketProps) {
    super(scope, id);
    const { partition, region } = Stack.of(this);
    // Replicated delete markers only hide objects here; their older versions stay as long as at the source.
    this.bucket = new s3.Bucket(
      this,
      'Bucket',
      dataBucketProps({ ...props, noncurrentVersionDays: props.noncurrentVersionDays ?? 90 }),
    );
    const principal = new iam.AccountPrincipal(props.sourceAccount);
    const onlyTheRole = {
      ArnEquals: {
        'aws:PrincipalArn': `arn:${partition}:iam::${props.sourceAccount}:role/${props.sourceRoleName}`,
      },
    };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReplicateFromSource',
        principals: [principal],
        actions: [
          's3:ReplicateObject',
          's3:ReplicateDelete',
          's3:ReplicateTags',
          's3:ObjectOwnerOverrideToBucketOwner',
        ],
        resources: [this.bucket.arnForObjects('*')],
        conditions: onlyTheRole,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'VersioningFromSource',
        principals: [principal],
        actions: ['s3:GetBucketVersioning', 's3:PutBucketVersioning'],
        resources: [this.bucket.bucketArn],
        conditions: onlyTheRole,
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReplicaEncryptionBySourceRole',
        principals: [principal],
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ...onlyTheRole,
          StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        },
      }),
    );
  }
}
