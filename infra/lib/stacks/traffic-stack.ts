import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { edgeSite, trafficNames } from '../constructs/traffic/names.ts';
import { WeightedSet } from '../constructs/traffic/weighted-set.ts';
import { ZoneReference } from '../constructs/traffic/zone.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link TrafficStack}. */
export interface TrafficStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The oops site's distribution, `app`'s SECONDARY. @default - none (`features.edge` off): app is the weighted set alone */
  readonly oops?: cloudfront.IDistribution;
}

/**
 * Global traffic: `app.<domain>` answers from the weighted set of regional endpoints (DNS-1, DNS-2) as
 * the PRIMARY of a failover pair whose SECONDARY is the oops site (DR-1). Deployed after every engine,
 * whose own names the set aliases. Without the edge, `app` aliases the weighted set directly: when every
 * region fails, Route 53 then answers as if all were healthy, and users get the regions' own errors.
 */
export class TrafficStack extends EstateStack {
  /** The weighted set and its health checks. */
  readonly weighted: WeightedSet;
  /** `app.<domain>`: the weighted set (the PRIMARY while any of it is healthy, when there is an oops site). */
  readonly primary: route53.ARecord;
  /** `app.<domain>`, SECONDARY: the oops site; undefined without the edge. */
  readonly secondary: route53.ARecord | undefined;

  constructor(scope: Construct, props: TrafficStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Traffic',
      description: 'weighted and failover DNS of app, health checks of every regional endpoint',
    });
    const { zone } = new ZoneReference(this, 'Zone', { config });
    this.weighted = new WeightedSet(this, 'Weighted', {
      config,
      healthCheck: this.profile.healthCheck,
      zone,
    });
    const names = trafficNames(config);
    const weightedName = this.weighted.name;
    const weighted = route53.RecordTarget.fromAlias({
      bind: () => ({ dnsName: weightedName, hostedZoneId: zone.hostedZoneId, evaluateTargetHealth: true }),
    });
    const { oops } = props;
    if (oops === undefined) {
      this.primary = new route53.ARecord(this, 'App', { zone, recordName: names.app, target: weighted });
      this.secondary = undefined;
      return;
    }
    // The L2's failover prop forces evaluate-target-health, which is what the PRIMARY needs: it is
    // healthy while any member of the weighted set is.
    this.primary = new route53.ARecord(this, 'AppPrimary', {
      zone,
      recordName: names.app,
      setIdentifier: 'weighted-regions',
      failover: route53.Failover.PRIMARY,
      target: weighted,
    });
    // Route 53 refuses evaluate-target-health on a CloudFront alias, which the L2's failover prop would
    // force: the SECONDARY's failover role is set on the record set itself.
    this.secondary = new route53.ARecord(this, 'AppSecondary', {
      zone,
      recordName: names.app,
      // CloudFront's fixed alias zone, literal: CloudFrontTarget would put its partition mapping in the
      // distribution's stack and look it up from this one.
      target: route53.RecordTarget.fromAlias({
        bind: () => ({
          dnsName: oops.distributionDomainName,
          hostedZoneId: targets.CloudFrontTarget.CLOUDFRONT_ZONE_ID,
        }),
      }),
    });
    const secondary = this.secondary.node.defaultChild as route53.CfnRecordSet;
    secondary.failover = 'SECONDARY';
    secondary.setIdentifier = 'oops';
  }
}
