import { type Duration, Fn } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceProvider } from '../foundation/deploy-time-lookup.ts';

/** Route 53 gives every public hosted zone four authoritative name servers. */
const ZONE_NAME_SERVERS = 4;

/** Props of {@link ApexNameServers}. */
export interface ApexNameServersProps {
  /** The zone the estate created (its name servers are known only once it exists). */
  readonly zone: route53.PublicHostedZone;
  /** The TTL its apex NS record set gets. */
  readonly ttl: Duration;
}

/**
 * The TTL of a zone's own apex NS record set, which Route 53 creates with the zone at 172800 s (2 days).
 * Resolvers that take the child's NS set over the parent's referral cache it that long, so a delegation
 * moved to another zone would reach them only days later. CloudFormation cannot own that record (a
 * RecordSet of it fails: it already exists), so an UPSERT of the same four name servers sets the TTL.
 */
export class ApexNameServers extends Construct {
  constructor(scope: Construct, id: string, props: ApexNameServersProps) {
    super(scope, id);
    const { zone, ttl } = props;
    const nameServers = zone.hostedZoneNameServers;
    if (nameServers === undefined) throw new Error('the zone has no name servers: it must be created here');
    const name = zone.zoneName;
    const upsert: cr.AwsSdkCall = {
      service: 'Route53',
      action: 'ChangeResourceRecordSets',
      parameters: {
        HostedZoneId: zone.hostedZoneId,
        ChangeBatch: {
          Comment: 'TTL of the apex NS records: how long resolvers keep this zone after a delegation moves',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: name,
                Type: 'NS',
                TTL: ttl.toSeconds(),
                ResourceRecords: Array.from({ length: ZONE_NAME_SERVERS }, (_, i) => ({
                  Value: Fn.select(i, nameServers),
                })),
              },
            },
          ],
        },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${name}-apex-ns`),
    };
    new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::ApexNameServers',
      installLatestAwsSdk: false,
      onCreate: upsert,
      onUpdate: upsert,
      // Nothing on delete: the zone's NS set cannot be deleted, and deleting the zone takes it along.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [zone.hostedZoneArn],
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsRecordTypes': ['NS'],
              'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name],
            },
          },
        }),
      ]),
    });
    acknowledgeCustomResourceProvider(
      this,
      "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are its resources' policies",
    );
  }
}
