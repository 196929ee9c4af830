import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { type AwsRegion, type EngineKind, type EstateConfig, parameterName } from '../../../config/index.ts';
import { dataBucketProps } from '../foundation/data-bucket.ts';

/** The canary script (deploy/canary/index.js), shipped as the whole asset. */
export const CANARY_SOURCE = fileURLToPath(new URL('../../../../deploy/canary', import.meta.url));

/**
 * The newest Synthetics Node.js runtime without a browser (Node.js 22): HTTP steps need no Chromium, so
 * runs start faster and cost less memory. aws-cdk-lib 2.276 names syn-nodejs up to 3.1 only.
 */
export const CANARY_RUNTIME = new synthetics.Runtime('syn-nodejs-4.1', synthetics.RuntimeFamily.NODEJS);

/** Where each engine publishes its public endpoint in its region, and the base URL a user calls. */
export const ENGINE_ENDPOINTS: Readonly<
  Record<EngineKind, { leaf: string; url: (value: string) => string }>
> = {
  fleet: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  asg: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  beanstalk: { leaf: 'endpoint', url: (host) => `http://${host}/` },
  ecs: { leaf: 'load-balancer-dns', url: (dns) => `http://${dns}/` },
  serverless: { leaf: 'api-endpoint', url: (url) => url },
};

/** The engines that serve users from a region, in the order the config lists them. */
export function enginesIn(config: EstateConfig, region: AwsRegion): EngineKind[] {
  return (Object.keys(ENGINE_ENDPOINTS) as EngineKind[]).filter(
    (kind) => config.engines[kind].enabled && config.engines[kind].regions.includes(region),
  );
}

/** The names a region's canary resources take (the operator tool computes them too). */
export function canaryNames(config: Pick<EstateConfig, 'appName'>, account: string, region: string) {
  const app = config.appName.toLowerCase();
  return { canary: `${app}-user-path`, bucket: `${app}-canary-artifacts-${account}-${region}` };
}

/** The canary's alarm in `region`: named, so a game day of the region can stop on it without a reference. */
export function userPathAlarmName(config: Pick<EstateConfig, 'appName'>, region: string): string {
  return `${config.appName}-user-path-${region}`;
}

/** Props of {@link UserPathCanary}. */
export interface UserPathCanaryProps {
  /** The estate config: its engines in this region, the app name and `pipeline.canary`. */
  readonly config: EstateConfig;
  /** The region's estate key: the artifacts bucket is encrypted with it. */
  readonly key: kms.IKey;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** The region's alarm topic: the canary's alarm notifies it. */
  readonly topic: sns.ITopic;
  /** Days a run's artifacts (report, logs, request and response of each step) are kept. @default 30 */
  readonly artifactDays?: number;
}

/**
 * One CloudWatch Synthetics canary per engine region (CICD-11): every `pipeline.canary.intervalMinutes`
 * it walks the user's path (`GET /`, `POST /store`, the record read back) on each engine of the region,
 * from outside any VPC, as a user reaches the public endpoints. The endpoints are the engines' published
 * parameters, resolved when the stack deploys (so the stack comes after the engines' stacks). One failed
 * run puts {@link alarm} in ALARM: it joins the region's release watch, so a wave whose release breaks
 * what a user does (not only what a health check sees) rolls back, and it notifies the alarm topic.
 */
export class UserPathCanary extends Construct {
  /** The canary. */
  readonly canary: synthetics.Canary;
  /** In ALARM while the latest run failed. */
  readonly alarm: cloudwatch.Alarm;
  /** Where the runs' artifacts go. */
  readonly artifacts: s3.Bucket;

  constructor(scope: Construct, id: string, props: UserPathCanaryProps) {
    super(scope, id);
    const { config } = props;
    const { account, region, partition } = Stack.of(this);
    const engines = enginesIn(config, region as AwsRegion);
    if (engines.length === 0) throw new Error(`${this.node.path}: no engine serves users in ${region}`);
    const names = canaryNames(config, account, region);
    const interval = Duration.minutes(config.pipeline.canary.intervalMinutes);

    const base = dataBucketProps({ ...props, bucketName: names.bucket, noncurrentVersionDays: 1 });
    this.artifacts = new s3.Bucket(this, 'Artifacts', {
      ...base,
      lifecycleRules: [
        ...(base.lifecycleRules ?? []),
        { expiration: Duration.days(props.artifactDays ?? 30) },
      ],
    });

    // The default role would reach every cwsyn-* log group and every object of the bucket; this one
    // writes its own canary's logs and its prefix only, and encrypts through S3 alone (DATA-2).
    const prefix = 'runs';
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${names.canary} canary: its logs, its metrics, its artifacts`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.artifacts.arnForObjects(`${prefix}/*`)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [this.artifacts.bucketArn] }),
    );
    // Synthetics lists the buckets to find the artifact location's; the action has no resource type.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
      }),
    );
    const logGroups = `arn:${partition}:logs:${region}:${account}:log-group:/aws/lambda/cwsyn-${names.canary}-*`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroups],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          's3:ListAllMyBuckets has no resource type; cloudwatch:PutMetricData has none either and is limited to the CloudWatchSynthetics namespace by condition',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${logGroups}]`,
        reason: "Synthetics names the canary's function cwsyn-<name>-<id>, the id chosen when it is created",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.artifacts.node.defaultChild as s3.CfnBucket)}.Arn>/${prefix}/*]`,
        reason: 'each run writes objects of its own under the prefix, named by the run',
      },
    );

    const endpoints = Object.fromEntries(
      engines.map((kind) => {
        const { leaf, url } = ENGINE_ENDPOINTS[kind];
        const value = ssm.StringParameter.valueForStringParameter(
          this,
          parameterName(config, region as AwsRegion, kind, leaf),
        );
        return [`ENDPOINT_${kind.toUpperCase()}`, url(value)];
      }),
    );
    this.canary = new synthetics.Canary(this, 'Canary', {
      canaryName: names.canary,
      runtime: CANARY_RUNTIME,
      test: synthetics.Test.custom({
        code: synthetics.Code.fromAsset(CANARY_SOURCE),
        handler: 'index.handler',
      }),
      schedule: synthetics.Schedule.rate(interval),
      // Four requests per engine; a run that outlasts a minute has already failed its user.
      timeout: Duration.minutes(1),
      environmentVariables: endpoints,
      role,
      artifactsBucketLocation: { bucket: this.artifacts, prefix },
      successRetentionPeriod: Duration.days(7),
      failureRetentionPeriod: Duration.days(props.artifactDays ?? 30),
      // Deleting the canary deletes its function and layer too: a torn-down estate leaves nothing behind.
      provisionedResourceCleanup: true,
    });

    // One failed run is enough: a user could not store or read back during it. The bake (longer than the
    // interval, checked by the config) therefore sees at least one run; no run yet is no verdict.
    this.alarm = new cloudwatch.Alarm(this, 'Failed', {
      alarmName: userPathAlarmName(config, region),
      alarmDescription: `User path canary: a run in ${region} failed (GET /, POST /store or the read back)`,
      metric: this.canary.metricSuccessPercent({ period: interval, statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 100,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}
