import type { AwsRegion } from '../../../config/index.ts';

/**
 * The hosted zone id of Application Load Balancers' DNS names, by region (AWS General Reference,
 * "Elastic Load Balancing endpoints and quotas", Route 53 hosted zone ID column). Needed only where a
 * balancer is not in the template — Beanstalk creates its own — since an alias names its target's zone;
 * a balancer in the template gives it by `CanonicalHostedZoneID`.
 */
const ALB_HOSTED_ZONES: Partial<Record<AwsRegion, string>> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'ca-central-1': 'ZQSVJUPU6J1EY',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-west-2': 'ZHURV8PSTC4K8',
  'eu-west-3': 'Z3Q77PNBQS71R4',
  'eu-north-1': 'Z23TAZ6LKFMNIO',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
  'ap-northeast-2': 'ZWKZPGTI48KDX',
  'ap-southeast-1': 'Z1LMS91P8CMLE5',
  'ap-southeast-2': 'Z1GM3OXH4ZPM65',
  'ap-south-1': 'ZP97RAFLXTNZK',
  'sa-east-1': 'Z2P70J7HTTTPLU',
};

/** The ALB hosted zone id of a region; throws for a region this table does not know yet. */
export function albHostedZoneId(region: AwsRegion): string {
  const id = ALB_HOSTED_ZONES[region];
  if (id === undefined) {
    throw new Error(
      `no ALB hosted zone id known for ${region}: add it from the Elastic Load Balancing endpoints table`,
    );
  }
  return id;
}
