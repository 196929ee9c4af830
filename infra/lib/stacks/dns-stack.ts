import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { ApexNameServers } from '../constructs/traffic/apex-name-servers.ts';
import { delegationPlan, ZoneDelegation } from '../constructs/traffic/delegation.ts';
import { edgeSite, trafficNames, zoneIdParameterName } from '../constructs/traffic/names.ts';
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
 *
 * It also holds the us-east-1 certificate of the shared names, `app.<domain>` and `ab.<domain>`, for the
 * edge distributions. Its DNS validation writes the one validation record of each shared name: ACM asks
 * the same record of every certificate of a name in an account, in every region, so the engine
 * certificates, which cover `app.<domain>` too, are validated by it and write only their own name's
 * record. Deleting an engine stack then never deletes a record another certificate renews by.
 *
 * With `dns.delegation`, it also writes the NS record set of the domain in the parent zone, which lives
 * outside the primary account (see {@link ZoneDelegation}): the delegation then survives the account, and a
 * recovered estate's DNS stack moves it to its own zone by the same write.
 */
export class DnsStack extends EstateStack {
  /** The zone the estate created; undefined when the config names an existing one. */
  readonly zone: route53.PublicHostedZone | undefined;
  /** The us-east-1 certificate of `app.<domain>` and `ab.<domain>`. */
  readonly edgeCertificate: acm.Certificate;

  constructor(scope: Construct, props: DnsStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Dns',
      description: 'public hosted zone of the estate domain',
    });
    const zoneName = config.dns.domainName;
    const configured = config.dns.hostedZoneId;
    let zone: route53.IHostedZone;
    if (configured === undefined) {
      this.zone = new route53.PublicHostedZone(this, 'Zone', {
        zoneName,
        comment: `${config.appName}: app, ab and the regional endpoints`,
      });
      new PublishedParameters(this, 'Parameters', {
        values: { [zoneIdParameterName(config)]: this.zone.hostedZoneId },
      });
      zone = this.zone;
      const plan = delegationPlan(config);
      if (plan !== undefined) {
        new ZoneDelegation(this, 'Delegation', { plan, zone: this.zone });
        new ApexNameServers(this, 'ApexNameServers', {
          zone: this.zone,
          ttl: Duration.seconds(plan.ttlSeconds),
        });
      }
    } else {
      zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Existing', {
        hostedZoneId: configured,
        zoneName,
      });
    }
    const names = trafficNames(config);
    this.edgeCertificate = new acm.Certificate(this, 'EdgeCertificate', {
      domainName: names.app,
      subjectAlternativeNames: [names.ab],
      validation: acm.CertificateValidation.fromDns(zone),
    });
  }
}
