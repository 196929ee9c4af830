import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link EstateKey}. */
export interface EstateKeyProps {
  /** Alias, the same in every region so readers can name the key without knowing its id. */
  readonly aliasName: string;
}

/**
 * The region's customer-managed key: logs, topics, parameters, artifacts and data of the region.
 *
 * Single-region on purpose. Every replication path of the estate re-encrypts with a key of the
 * destination (Aurora global secondaries, S3 replication, Backup copy jobs, Secrets Manager replicas,
 * ECR replication), and the path that matters most, to the recovery account, cannot use a multi-region
 * key at all (its replicas stay in the account of the primary). One key per region also keeps a key
 * deletion or policy mistake inside one region.
 */
export class EstateKey extends Construct {
  /** The key. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EstateKeyProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      alias: props.aliasName,
      description: 'Estate key: encrypts the logs, topics, parameters and data of this region',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
    });
    // Encrypted log groups (VPC flow logs, later every engine's logs) need the Logs service on the key,
    // limited to log groups of this account and region.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      }),
    );
    // CloudWatch alarms publish to the encrypted alarm topic; SNS asks KMS on their behalf.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // The pipeline's notification rules publish its failed and succeeded executions to the encrypted
    // alarm topic; CodeStar Notifications uses the key only through SNS in this region, as AWS documents.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * The source half of an AWS Backup cross-account copy of what this key encrypts. An Aurora snapshot
   * keeps the key of its cluster: AWS Backup shares it with `account`, whose Backup has RDS copy it and
   * re-encrypt the copy with its own vault's key. That account needs to decrypt with this key, to
   * describe it, and to create the grant RDS uses during the copy; nothing else (no encrypt, no
   * grants for anything but AWS resources). An AWS-managed key could not be shared at all.
   *
   * The same key protects the region's secrets, logs and parameter exports, so the account may use it
   * only through RDS or AWS Backup in this region (`kms:ViaService`), never by calling KMS itself: a
   * principal of that account cannot decrypt a secret's or a log's ciphertext with it.
   */
  allowBackupCopyTo(account: string): void {
    const { region } = Stack.of(this);
    const principals = [new iam.AccountPrincipal(account)];
    const through = {
      'kms:CallerAccount': account,
      'kms:ViaService': [`rds.${region}.amazonaws.com`, `backup.${region}.amazonaws.com`],
    };
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `BackupCopyReadBy${account}`,
        principals,
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: through },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `BackupCopyGrantBy${account}`,
        principals,
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { StringEquals: through, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );
  }
}
