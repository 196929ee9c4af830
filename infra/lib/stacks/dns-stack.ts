import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { edgeSite, zoneIdParameterName } from '../constructs/traffic/names.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link DnsStack}. */
export interface DnsStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
}

/**
 * The estate's public hosted zone of `dns.domainName`, created here unless the config names an existing
 * one; its id published for the engine regions, whose certificates are validated in it. Deployed before
 * any engine. The domain's registrar must delegate to the zone's name servers (`npm run preflight`
 * checks it) or no certificate is ever issued.
 */
export class DnsStack extends EstateStack {
  /** The zone the estate created; undefined when the config names an existing one. */
  readonly zone: route53.PublicHostedZone | undefined;

  constructor(scope: Construct, props: DnsStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Dns',
      description: 'public hosted zone of the estate domain',
    });
    if (config.dns.hostedZoneId !== undefined) return;
    this.zone = new route53.PublicHostedZone(this, 'Zone', {
      zoneName: config.dns.domainName,
      comment: `${config.appName}: app, ab and the regional endpoints`,
    });
    new PublishedParameters(this, 'Parameters', {
      values: { [zoneIdParameterName(config)]: this.zone.hostedZoneId },
    });
  }
}
