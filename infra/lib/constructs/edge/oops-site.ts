import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** The page's source in the repository: one self-contained HTML file. */
export const OOPS_SOURCE_DIR = fileURLToPath(new URL('../../../../edge/oops', import.meta.url));

/**
 * Where the page lives in the bucket. Not the root: a request for `/` (or any path) finds no object, S3
 * answers 403 through origin access control, and the custom error response turns that into the page
 * with status 503, so clients and crawlers see an outage, not a healthy empty site.
 */
export const OOPS_PAGE_PATH = '/_oops/index.html';

/** Status the page is served with for every path but its own. */
export const OOPS_STATUS = 503;

/** Props of {@link OopsSite}. */
export interface OopsSiteProps {
  /** Names the distribution answers to (`app.<domain>`: the SECONDARY of its failover pair). */
  readonly domainNames: readonly string[];
  /** A us-east-1 certificate of those names. */
  readonly certificate: acm.ICertificate;
  /** How long CloudFront keeps the 503 answer before asking the bucket again. @default 10 seconds */
  readonly errorCachingTtl?: Duration;
}

/**
 * DR-1's last resort: a static page saying the service is down and will be back, from a private S3
 * bucket read only by CloudFront through origin access control, served over HTTPS with the status 503.
 * It has no dependency on any region of the estate but us-east-1's CloudFront control plane at deploy
 * time, so it answers when every region is down.
 */
export class OopsSite extends Construct {
  /** The private bucket holding the page. */
  readonly bucket: s3.Bucket;
  /** The distribution serving it. */
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: OopsSiteProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The page is rebuilt from the repository on every deploy: nothing in it is worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'One public static page, written only by deployments; CloudFront sees every read of it',
    });
    const deployment = new s3deploy.BucketDeployment(this, 'Page', {
      sources: [s3deploy.Source.asset(OOPS_SOURCE_DIR)],
      destinationBucket: this.bucket,
      destinationKeyPrefix: OOPS_PAGE_PATH.slice(1, OOPS_PAGE_PATH.lastIndexOf('/')),
      // CloudFront caches the page briefly; a changed page shows within the error caching TTL.
      cacheControl: [s3deploy.CacheControl.maxAge(Duration.minutes(1))],
      prune: true,
      memoryLimit: 256,
    });
    acknowledgeDeploymentFunction(deployment, this.bucket);
    const ttl = props.errorCachingTtl ?? Duration.seconds(10);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'oops page: the last answer of app when every region is down',
      domainNames: [...props.domainNames],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      // Without list permission S3 answers 403 for a missing key; 404 too, should that ever change.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: OOPS_STATUS,
        responsePagePath: OOPS_PAGE_PATH,
        ttl,
      })),
    });
    const reasons: Record<string, string> = {
      'AwsSolutions-CFR1': 'The page is for every user wherever they are: no country is refused',
      'AwsSolutions-CFR2':
        'One static page from a private bucket, no form and no origin to protect; a web ACL would cost more than the site',
      'AwsSolutions-CFR3':
        'One static page; CloudFront metrics count its requests and errors, and the regions log the requests that matter',
    };
    for (const [id, reason] of Object.entries(reasons)) {
      Validations.of(this.distribution).acknowledge({ id, reason });
    }
  }
}

/**
 * The findings on the function aws-cdk-lib's BucketDeployment brings (one per stack, shared by every
 * deployment in it): its role and runtime are the library's, which scopes the role to the CDK asset
 * bucket and the target bucket.
 */
function acknowledgeDeploymentFunction(deployment: s3deploy.BucketDeployment, bucket: s3.Bucket): void {
  const stack = Stack.of(deployment);
  const handler = deployment.handlerRole.node.scope ?? deployment;
  const bucketArn = `<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
  const reason =
    'BucketDeployment (aws-cdk-lib) copies the page from the CDK asset bucket into the oops bucket and prunes old objects';
  const ids = [
    'AwsSolutions-L1',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ...['GetBucket*', 'GetObject*', 'List*', 'Abort*', 'DeleteObject*'].map(
      (a) => `AwsSolutions-IAM5[Action::s3:${a}]`,
    ),
    `AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*]`,
    `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
  ];
  for (const id of ids) Validations.of(handler).acknowledge({ id, reason });
}
