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
}

/**
 * Global traffic: `app.<domain>` answers from the weighted set of regional endpoints (DNS-1, DNS-2) as
 * the PRIMARY of a failover pair. Deployed after every engine, whose own names the set aliases.
 */
export class TrafficStack extends EstateStack {
  /** The weighted set and its health checks. */
  readonly weighted: WeightedSet;
  /** `app.<domain>`, PRIMARY: the weighted set while any of it is healthy. */
  readonly primary: route53.ARecord;

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
    // The L2's failover prop forces evaluate-target-health, which is what the PRIMARY needs: it is
    // healthy while any member of the weighted set is.
    this.primary = new route53.ARecord(this, 'AppPrimary', {
      zone,
      recordName: names.app,
      setIdentifier: 'weighted-regions',
      failover: route53.Failover.PRIMARY,
      target: route53.RecordTarget.fromAlias({
        bind: () => ({ dnsName: weightedName, hostedZoneId: zone.hostedZoneId, evaluateTargetHealth: true }),
      }),
    });
  }
}
