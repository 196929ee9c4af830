import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { EstateConfig } from '../../../config/index.ts';
import { lookUpAtDeployTime } from '../foundation/deploy-time-lookup.ts';
import { EDGE_REGION, zoneIdParameterName } from './names.ts';

/** Props of {@link ZoneReference}. */
export interface ZoneReferenceProps {
  /** The validated topology: `dns.domainName` and, when given, `dns.hostedZoneId`. */
  readonly config: EstateConfig;
}

/**
 * The estate's public hosted zone, seen from any stack: the configured zone id, or else the id the DNS
 * stack published in {@link EDGE_REGION}, read once at deploy time (the stack must be deployed after the
 * DNS stack; no token links them).
 */
export class ZoneReference extends Construct {
  /** The zone, by id and name. */
  readonly zone: route53.IHostedZone;

  constructor(scope: Construct, id: string, props: ZoneReferenceProps) {
    super(scope, id);
    const { config } = props;
    const zoneName = config.dns.domainName;
    const configured = config.dns.hostedZoneId;
    const hostedZoneId = configured ?? this.publishedZoneId(config);
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId, zoneName });
  }

  private publishedZoneId(config: EstateConfig): string {
    const name = zoneIdParameterName(config);
    const lookup = new Construct(this, 'ZoneId');
    return lookUpAtDeployTime(lookup, {
      resourceType: 'Custom::HostedZoneId',
      call: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: name },
        region: EDGE_REGION,
        physicalResourceId: cr.PhysicalResourceId.of(name),
      },
      outputPath: 'Parameter.Value',
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [`arn:aws:ssm:${EDGE_REGION}:${config.accounts.primary}:parameter${name}`],
        }),
      ]),
    });
  }
}
