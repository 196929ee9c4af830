import { Duration } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as route53 from 'aws-cdk-lib/aws-route53';
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
 * whose own names the set names. Without the edge, `app` aliases the weighted set directly: when every
 * region fails, Route 53 then answers as if all were healthy, and users get the regions' own errors.
 */
export class TrafficStack extends EstateStack {
  /** The weighted set and its health checks. */
  readonly weighted: WeightedSet;
  /** `app.<domain>`: the weighted set (the PRIMARY while any of it is healthy, when there is an oops site). */
  readonly primary: route53.RecordSet;
  /** `app.<domain>`, SECONDARY: the oops site; undefined without the edge. */
  readonly secondary: route53.RecordSet | undefined;

  constructor(scope: Construct, props: TrafficStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Traffic',
      description: 'weighted and failover DNS of app, health checks of every regional endpoint',
    });
    const { zone } = new ZoneReference(this, 'Zone', { config });
    const ttl = Duration.seconds(this.profile.weightedTtlSeconds);
    this.weighted = new WeightedSet(this, 'Weighted', {
      config,
      healthCheck: this.profile.healthCheck,
      ttlSeconds: this.profile.weightedTtlSeconds,
      zone,
    });
    const names = trafficNames(config);
    const weightedName = this.weighted.name;
    // An alias to a record of the zone must have that record's type, CNAME here, and Route 53 answers it
    // with the chosen weighted record and its TTL: `app` adds no TTL of its own to a failover.
    const weighted = route53.RecordTarget.fromAlias({
      bind: () => ({ dnsName: weightedName, hostedZoneId: zone.hostedZoneId, evaluateTargetHealth: true }),
    });
    const { oops } = props;
    if (oops === undefined) {
      this.primary = new route53.RecordSet(this, 'App', {
        zone,
        recordName: names.app,
        recordType: route53.RecordType.CNAME,
        target: weighted,
      });
      this.secondary = undefined;
      return;
    }
    // The L2's failover prop demands evaluate-target-health, which is what the PRIMARY needs: it is
    // healthy while any member of the weighted set is.
    this.primary = new route53.RecordSet(this, 'AppPrimary', {
      zone,
      recordName: names.app,
      recordType: route53.RecordType.CNAME,
      setIdentifier: 'weighted-regions',
      failover: route53.Failover.PRIMARY,
      target: weighted,
    });
    // Both records of a failover pair share a type, and Route 53 aliases CloudFront only as A or AAAA: the
    // SECONDARY is a plain CNAME of the distribution, which serves `app` as an alternate domain name.
    this.secondary = new route53.RecordSet(this, 'AppSecondary', {
      zone,
      recordName: names.app,
      recordType: route53.RecordType.CNAME,
      setIdentifier: 'oops',
      failover: route53.Failover.SECONDARY,
      target: route53.RecordTarget.fromValues(oops.distributionDomainName),
      ttl,
    });
  }
}
