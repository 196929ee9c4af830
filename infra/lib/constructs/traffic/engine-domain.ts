import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { EstateConfig } from '../../../config/index.ts';
import { type RegionalEndpoint, trafficNames } from './names.ts';
import { ZoneReference } from './zone.ts';

/** Props of {@link EngineDomain}. */
export interface EngineDomainProps {
  /** The validated topology (domain, zone). */
  readonly config: EstateConfig;
  /** Which engine in which region (the stack's). */
  readonly endpoint: RegionalEndpoint;
}

/**
 * An engine's names in its region: a DNS-validated certificate of `app.<domain>` (what users ask for)
 * and of the endpoint's own `<engine>.<region>.<domain>` (what health checks and the A/B distribution
 * ask for), and the alias record of that own name, added by {@link EngineDomain.route}. CloudFormation
 * writes the validation record of the own name only: that of `app.<domain>` is the DNS stack's (ACM asks
 * the same record of every certificate of a name in the account), so deleting this stack leaves it.
 * Validation waits until the domain is delegated to the zone.
 */
export class EngineDomain extends Construct {
  /** `<engine>.<region>.<domain>`. */
  readonly name: string;
  /** The certificate of the endpoint's two names, in its region. */
  readonly certificate: acm.Certificate;
  /** The estate's hosted zone. */
  readonly zone: route53.IHostedZone;

  constructor(scope: Construct, id: string, props: EngineDomainProps) {
    super(scope, id);
    const names = trafficNames(props.config);
    this.name = names.regional(props.endpoint);
    this.zone = new ZoneReference(this, 'Zone', { config: props.config }).zone;
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: this.name,
      subjectAlternativeNames: [names.app],
      validation: acm.CertificateValidation.fromDnsMultiZone({ [this.name]: this.zone }),
    });
  }

  /** The endpoint's own name, an alias of its balancer or API (evaluating the target's health). */
  route(target: route53.IAliasRecordTarget): route53.ARecord {
    return new route53.ARecord(this, 'Record', {
      zone: this.zone,
      recordName: this.name,
      target: route53.RecordTarget.fromAlias(target),
    });
  }
}
