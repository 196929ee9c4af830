import { fileURLToPath } from 'node:url';
import { Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dataBucketProps } from '../foundation/data-bucket.ts';
import { estateFunction } from '../foundation/estate-function.ts';
import type { BucketReplication } from './bucket-replication.ts';

const ENTRY = fileURLToPath(new URL('../../../functions/parameter-backup/index.ts', import.meta.url));

/** Props of {@link ParameterBackup}. */
export interface ParameterBackupProps {
  /** The hierarchy that is backed up, starting and ending with `/` (`/hello/`). */
  readonly parameterPrefix: string;
  /** The home region's estate key: the bucket, the logs, the SecureStrings read here. */
  readonly key: kms.IKey;
  /** Deterministic name of the export bucket. */
  readonly bucketName: string;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** Deterministic name of the function's role, which the recovery account's key policy names. */
  readonly roleName: string;
  /** The region every parameter is copied to. */
  readonly recoveryRegion: string;
  /** The key SSM encrypts the SecureString copies with there (an id, alias or ARN in that region). */
  readonly recoveryParameterKeyId: string;
  /**
   * The key that wraps each exported SecureString's data key, by alias: it must outlive the home region
   * (KMS accepts an alias ARN of another account for GenerateDataKey).
   */
  readonly exportValueKey: { readonly account: string; readonly region: string; readonly alias: string };
  /** Retention of the function's logs. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Replication of the export bucket to another account.
   * @default - not replicated
   */
  readonly replication?: BucketReplication;
  /**
   * When the full export runs.
   * @default - daily at 03:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * Days an overwritten or deleted export version is kept.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The estate's SSM parameters, kept outside the home region: every change is copied to the recovery
 * region and exported to a versioned bucket (SecureStrings sealed with a key that survives the region),
 * and a daily full export catches the changes EventBridge dropped (its SSM events are best-effort).
 */
export class ParameterBackup extends Construct {
  /** The export bucket. */
  readonly bucket: s3.Bucket;
  /** The function. */
  readonly function: nodejs.NodejsFunction;
  /** Parameter Store changes under the prefix. */
  readonly changeRule: events.Rule;
  /** The full export. */
  readonly scheduleRule: events.Rule;
  /** Events the function could not take after the retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ParameterBackupProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    const { key, parameterPrefix: prefix } = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...dataBucketProps({ ...props, noncurrentVersionDays: props.noncurrentVersionDays ?? 90 }),
      ...props.replication?.sourceProps(props.bucketName, key),
    });
    Tags.of(this.bucket).add('backup', 'true');

    const role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies and exports the estate parameters',
    });
    this.function = estateFunction(this, 'Function', {
      entry: ENTRY,
      description: 'Copies estate parameters to the recovery region and exports them to S3',
      timeout: Duration.minutes(5),
      memorySize: 256,
      role,
      key,
      logRetention: props.logRetention,
      environment: {
        PARAMETER_PREFIX: prefix,
        RECOVERY_REGION: props.recoveryRegion,
        RECOVERY_PARAMETER_KEY_ID: props.recoveryParameterKeyId,
        EXPORT_BUCKET: props.bucketName,
        EXPORT_BUCKET_KEY_ID: key.keyArn,
        EXPORT_VALUE_KEY_ID: `arn:${partition}:kms:${props.exportValueKey.region}:${props.exportValueKey.account}:${props.exportValueKey.alias}`,
      },
    });

    const path = prefix.slice(0, -1);
    const parameterArn = (r: string, p: string) => `arn:${partition}:ssm:${r}:${account}:parameter${p}`;
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));
    allow(['ssm:GetParameter'], [parameterArn(region, `${prefix}*`)]);
    allow(['ssm:GetParametersByPath'], [parameterArn(region, path), parameterArn(region, `${prefix}*`)]);
    allow(
      ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      [parameterArn(props.recoveryRegion, `${prefix}*`)],
    );
    allow(['kms:Decrypt'], [key.keyArn], {
      StringEquals: { 'kms:ViaService': `ssm.${region}.amazonaws.com` },
    });
    // Whichever key of the recovery region encrypts the copies (the AWS-managed aws/ssm by default, whose
    // own policy already admits the account), and only through SSM there.
    allow(
      ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
      [`arn:${partition}:kms:${props.recoveryRegion}:${account}:key/*`],
      { StringEquals: { 'kms:ViaService': `ssm.${props.recoveryRegion}.amazonaws.com` } },
    );
    allow(
      ['s3:PutObject'],
      [this.bucket.arnForObjects('parameters/*'), this.bucket.arnForObjects('manifests/*')],
    );
    // HeadObject (has this version been exported?) is authorized by s3:GetObject.
    allow(['s3:GetObject'], [this.bucket.arnForObjects('parameters/*')]);
    // Without ListBucket a missing object answers 403 instead of 404.
    allow(['s3:ListBucket'], [this.bucket.bucketArn]);
    allow(['kms:GenerateDataKey'], [key.keyArn], {
      StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
    });
    // IAM matches a key by key ARN, never by alias ARN; the value key's id (another account) is unknown
    // here, so any key of that account and region, requested by its alias.
    const value = props.exportValueKey;
    allow(['kms:GenerateDataKey'], [`arn:${partition}:kms:${value.region}:${value.account}:key/*`], {
      StringEquals: { 'kms:RequestAlias': value.alias },
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const target = () =>
      new targets.LambdaFunction(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      });
    this.changeRule = new events.Rule(this, 'Changes', {
      description: `Parameter Store changes under ${prefix}`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['Parameter Store Change'],
        detail: { name: [{ prefix }] },
      },
      targets: [target()],
    });
    this.scheduleRule = new events.Rule(this, 'FullExport', {
      description: `Full export of ${prefix}`,
      schedule: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '3' }),
      targets: [target()],
    });
    this.acknowledge(role, props);
  }

  private acknowledge(role: iam.Role, props: ParameterBackupProps): void {
    const stack = Stack.of(this);
    const prefix = props.parameterPrefix;
    const value = props.exportValueKey;
    const bucketId = stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket));
    const acknowledge = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
    const { partition, region, account } = stack;
    const iam5 = (arn: string) => `AwsSolutions-IAM5[Resource::${stack.resolve(arn)}]`;
    acknowledge(
      iam5(`arn:${partition}:ssm:${region}:${account}:parameter${prefix}*`),
      'The function backs up every parameter of the estate hierarchy, whatever its name',
    );
    acknowledge(
      iam5(`arn:${partition}:ssm:${props.recoveryRegion}:${account}:parameter${prefix}*`),
      'The copies of every parameter of the estate hierarchy in the recovery region',
    );
    acknowledge(
      iam5(`arn:${partition}:kms:${props.recoveryRegion}:${account}:key/*`),
      'The key id of the copies there is not known here; only through SSM in that region',
    );
    acknowledge(
      iam5(`arn:${partition}:kms:${value.region}:${value.account}:key/*`),
      'The value key belongs to the recovery account, its id unknown here; only when requested by its alias',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/parameters/*]`,
      'One export object per parameter version, under the parameters/ prefix only',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/manifests/*]`,
      'One manifest per full export, under the manifests/ prefix only',
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the two rule targets',
    });
  }
}
