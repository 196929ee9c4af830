import { readFileSync } from 'node:fs';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EngineKind, EstateConfig } from '../../../config/index.ts';
import { trafficNames } from '../traffic/names.ts';
import { OOPS_PAGE_PATH, OOPS_STATUS } from './oops-site.ts';

const ROUTES_FILE = new URL('../../../../edge/ab-router/routes.json', import.meta.url);
const ROUTER_FILE = new URL('../../../../edge/ab-router/router.js', import.meta.url);

/** A variant: an engine, or `app` (the weighted set). */
export type Variant = EngineKind | 'app';

/** The routing table, as kept in edge/ab-router/routes.json. */
export interface RoutesTable {
  /** The query-string parameter that picks an engine (matched without regard to case). */
  readonly parameter: string;
  /** Its values, each to a variant. */
  readonly types: Readonly<Record<string, Variant>>;
  /** The first rule whose token the User-Agent contains picks the variant. */
  readonly browsers: readonly {
    readonly browser: string;
    readonly tokens: readonly string[];
    readonly engine: Variant;
  }[];
  /** The variant of any other request. */
  readonly fallback: Variant;
}

/** The table in the repository. */
export function routesTable(): RoutesTable {
  return JSON.parse(readFileSync(ROUTES_FILE, 'utf8')) as RoutesTable;
}

/** The header the function writes the chosen variant to; the cache key holds it. */
export const VARIANT_HEADER = 'x-hello-variant';

/** CloudFront Functions' limit on a function's code, in bytes. */
export const FUNCTION_SIZE_LIMIT = 10 * 1024;

/**
 * The origin of each variant: the engine's own name in its first region (`<engine>.<region>.<domain>`),
 * `app.<domain>` for `app` and for an engine the config switched off.
 */
export function variantOrigins(config: EstateConfig): Record<Variant, string> {
  const names = trafficNames(config);
  const origin = (engine: EngineKind) => {
    const settings = config.engines[engine];
    const region = settings.regions[0];
    return settings.enabled && region !== undefined ? names.regional({ engine, region }) : names.app;
  };
  return {
    app: names.app,
    fleet: origin('fleet'),
    asg: origin('asg'),
    beanstalk: origin('beanstalk'),
    ecs: origin('ecs'),
    serverless: origin('serverless'),
  };
}

/** The viewer-request function's source: router.js with the table and the origins filled in. */
export function abRouterCode(config: EstateConfig, table: RoutesTable = routesTable()): string {
  const routes = {
    parameter: table.parameter.toLowerCase(),
    types: table.types,
    browsers: table.browsers.map((b) => ({ tokens: b.tokens, variant: b.engine })),
    fallback: table.fallback,
    origins: variantOrigins(config),
  };
  const source = readFileSync(ROUTER_FILE, 'utf8');
  if (!source.includes('__ROUTES__')) throw new Error('router.js lost its __ROUTES__ placeholder');
  return source.replace('__ROUTES__', JSON.stringify(routes));
}

/**
 * Origin timeouts of the A/B distribution: one connection attempt of 1 s and a 4 s read, so a dead or
 * hanging region costs a client at most about 5 s before CloudFront asks the oops bucket instead.
 */
export const AB_ORIGIN_TIMEOUTS = {
  connectionAttempts: 1,
  connectionTimeoutSeconds: 1,
  readTimeoutSeconds: 4,
};

/** Props of {@link AbRouter}. */
export interface AbRouterProps {
  /** The validated topology: domain and engines. */
  readonly config: EstateConfig;
  /** A us-east-1 certificate of `ab.<domain>`. */
  readonly certificate: acm.ICertificate;
  /** The oops bucket: the fallback origin on 5xx. */
  readonly oopsBucket: s3.IBucket;
}

/**
 * `ab.<domain>`: a CloudFront distribution whose viewer-request function picks the engine (`?type=1..4`,
 * else by browser, else `app.<domain>`) by changing the origin's name, from the table in
 * edge/ab-router/routes.json. Reads fail over to the oops page on 5xx or an unreachable origin; `/store`
 * (which writes) is never cached and cannot fail over, since CloudFront fails over GET and HEAD only.
 */
export class AbRouter extends Construct {
  /** The distribution. */
  readonly distribution: cloudfront.Distribution;
  /** The viewer-request function. */
  readonly function: cloudfront.Function;

  constructor(scope: Construct, id: string, props: AbRouterProps) {
    super(scope, id);
    const names = trafficNames(props.config);
    this.function = new cloudfront.Function(this, 'Router', {
      comment: 'A/B: picks the engine by ?type= or browser',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(abRouterCode(props.config)),
    });
    const functionAssociations = [
      { function: this.function, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
    ];
    // The function replaces this origin's name; its protocol and timeouts stay.
    const app = new origins.HttpOrigin(names.app, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      connectionAttempts: AB_ORIGIN_TIMEOUTS.connectionAttempts,
      connectionTimeout: Duration.seconds(AB_ORIGIN_TIMEOUTS.connectionTimeoutSeconds),
      readTimeout: Duration.seconds(AB_ORIGIN_TIMEOUTS.readTimeoutSeconds),
    });
    const oops = origins.S3BucketOrigin.withOriginAccessControl(props.oopsBucket);
    const variantCache = new cloudfront.CachePolicy(this, 'VariantCache', {
      comment: 'cache key: path, the chosen variant and the type parameter',
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList(VARIANT_HEADER),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(routesTable().parameter),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      // The engines' Cache-Control decides; nothing is cached that they do not mark cacheable.
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'ab: A/B routing over the engines',
      domainNames: [names.ab],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new origins.OriginGroup({
          primaryOrigin: app,
          fallbackOrigin: oops,
          fallbackStatusCodes: [500, 502, 503, 504],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: variantCache,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        functionAssociations,
      },
      additionalBehaviors: {
        '/store*': {
          origin: app,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          functionAssociations,
        },
        // The error page below is fetched through this behaviour, from the bucket.
        [`${OOPS_PAGE_PATH.slice(0, OOPS_PAGE_PATH.lastIndexOf('/'))}/*`]: {
          origin: oops,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        },
      },
      // After a failover the bucket answers 403 for any path but the page's: that becomes the page, 503.
      errorResponses: [
        {
          httpStatus: 403,
          responseHttpStatus: OOPS_STATUS,
          responsePagePath: OOPS_PAGE_PATH,
          ttl: Duration.seconds(10),
        },
      ],
    });
    const reasons: Record<string, string> = {
      'AwsSolutions-CFR1': 'A/B routing serves every country the regions serve',
      'AwsSolutions-CFR2':
        'The regions sit behind their own balancers and API; a web ACL here would be a paid extra the lab budget does not hold',
      'AwsSolutions-CFR3':
        'The engines log every request they answer; CloudFront metrics count the edge errors and failovers',
    };
    for (const [ruleId, reason] of Object.entries(reasons)) {
      Validations.of(this.distribution).acknowledge({ id: ruleId, reason });
    }
  }
}
