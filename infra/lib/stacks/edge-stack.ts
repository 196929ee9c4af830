import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { AbRouter } from '../constructs/edge/ab-router.ts';
import { OopsSite } from '../constructs/edge/oops-site.ts';
import { edgeSite, trafficNames } from '../constructs/traffic/names.ts';
import { ZoneReference } from '../constructs/traffic/zone.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link EdgeStack}. */
export interface EdgeStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The us-east-1 certificate of `app.<domain>` and `ab.<domain>` (the DNS stack's). */
  readonly certificate: acm.ICertificate;
}

/**
 * The estate's CloudFront distributions (`features.edge`): the oops site, answering `app.<domain>` when
 * every region is down (DR-1), and the A/B distribution of `ab.<domain>`, with its own record. In
 * us-east-1, where CloudFront takes its certificates.
 */
export class EdgeStack extends EstateStack {
  /** The oops page. */
  readonly oops: OopsSite;
  /** `ab.<domain>`. */
  readonly ab: AbRouter;

  constructor(scope: Construct, props: EdgeStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Edge',
      description: 'CloudFront: the oops page behind app, A/B routing of ab',
    });
    const names = trafficNames(config);
    this.oops = new OopsSite(this, 'Oops', { domainNames: [names.app], certificate: props.certificate });
    this.ab = new AbRouter(this, 'Ab', {
      config,
      certificate: props.certificate,
      oopsBucket: this.oops.bucket,
    });
    const { zone } = new ZoneReference(this, 'Zone', { config });
    new route53.ARecord(this, 'AbRecord', {
      zone,
      recordName: names.ab,
      target: route53.RecordTarget.fromAlias({
        bind: () => ({
          dnsName: this.ab.distribution.distributionDomainName,
          hostedZoneId: targets.CloudFrontTarget.CLOUDFRONT_ZONE_ID,
        }),
      }),
    });
  }
}
