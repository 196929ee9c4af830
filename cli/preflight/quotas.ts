// Row group 3: each region's service quotas against what the estate launches there at its peak.
import {
  type _InstanceType,
  DescribeAddressesCommand,
  DescribeInstanceTypesCommand,
} from '@aws-sdk/client-ec2';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { type AccountRole, type EstateConfig, PROFILES } from '../../infra/config/index.ts';
import type { PreflightClients } from './clients.ts';
import type { DeploySite } from './estate.ts';
import { errorName, probe, type Row, row } from './report.ts';

/** A quota by its Service Quotas codes. */
export interface QuotaCode {
  readonly name: string;
  readonly service: string;
  readonly code: string;
}

/** Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, counted in vCPUs. */
export const VCPU_QUOTA: QuotaCode = { name: 'EC2 On-Demand vCPUs', service: 'ec2', code: 'L-1216C47A' };
/** Concurrent executions of all the region's functions. */
export const LAMBDA_QUOTA: QuotaCode = { name: 'Lambda concurrency', service: 'lambda', code: 'L-B99A9384' };
/** NAT gateways per Availability Zone. */
export const NAT_QUOTA: QuotaCode = { name: 'NAT gateways per AZ', service: 'vpc', code: 'L-FE5A380F' };
/** EC2-VPC Elastic IPs, per region. */
export const EIP_QUOTA: QuotaCode = { name: 'Elastic IPs', service: 'ec2', code: 'L-0263D0A3' };

/** Lambda keeps this much of the region's concurrency unreserved; reservations may only take the rest. */
export const UNRESERVED_MINIMUM = 100;

// These Beanstalk policies start a full second set of instances beside the running one during a deploy
// (RollingWithAdditionalBatch only a batch, counted whole here as an upper bound).
const EXTRA_FLEET_POLICIES = new Set(['Immutable', 'TrafficSplitting', 'RollingWithAdditionalBatch']);

/** The instances the EC2 engines and Beanstalk run at once in `region` at their peak, by engine. */
export function instancePeak(
  config: Pick<EstateConfig, 'engines' | 'ec2' | 'beanstalk'>,
  region: string,
): { readonly fleet: number; readonly asg: number; readonly beanstalk: number; readonly total: number } {
  const runs = (kind: 'fleet' | 'asg' | 'beanstalk') =>
    config.engines[kind].enabled && (config.engines[kind].regions as readonly string[]).includes(region);
  const fleet = runs('fleet') ? config.ec2.fleetInstances : 0;
  // Target tracking may take the group to its maximum, above the scheduled peak.
  const asg = runs('asg') ? config.ec2.asg.maxCapacity : 0;
  const sets = EXTRA_FLEET_POLICIES.has(config.beanstalk.deploymentPolicy) ? 2 : 1;
  const beanstalk = runs('beanstalk') ? config.beanstalk.maxInstances * sets : 0;
  return { fleet, asg, beanstalk, total: fleet + asg + beanstalk };
}

/** The applied value of a quota, else its AWS default (an account that never changed it has no applied value). */
export async function quotaValue(
  clients: PreflightClients,
  role: AccountRole,
  region: string,
  quota: QuotaCode,
): Promise<number> {
  const client = clients.serviceQuotas(role, region);
  const input = { ServiceCode: quota.service, QuotaCode: quota.code };
  try {
    const { Quota } = await client.send(new GetServiceQuotaCommand(input));
    if (Quota?.Value !== undefined) return Quota.Value;
  } catch (error) {
    if (errorName(error) !== 'NoSuchResourceException') throw error;
  }
  const { Quota } = await client.send(new GetAWSDefaultServiceQuotaCommand(input));
  if (Quota?.Value === undefined) throw new Error(`no value for quota ${quota.code}`);
  return Quota.Value;
}

const QUOTA_PERMISSIONS = ['servicequotas:GetServiceQuota', 'servicequotas:GetAWSDefaultServiceQuota'];

function increase(quota: QuotaCode, region: string, value: number): string {
  return `aws service-quotas request-service-quota-increase --service-code ${quota.service} --quota-code ${quota.code} --desired-value ${value} --region ${region}`;
}

/** A row comparing a quota with a need: a blocker (or `short`) below it, with both numbers. */
function compare(
  quota: QuotaCode,
  site: Pick<DeploySite, 'role' | 'region'>,
  value: number,
  need: number,
  why: string,
  short: 'BLOCKER' | 'warn' = 'BLOCKER',
): Row {
  const check = `quota: ${quota.name}`;
  const scope = `${site.role} ${site.region}`;
  if (value >= need) return row(check, scope, 'ok', `quota ${value} >= ${need} (${why})`);
  return row(
    check,
    scope,
    short,
    `quota ${value} < ${need} needed (${why})`,
    increase(quota, site.region, need),
  );
}

async function checkVcpus(
  site: DeploySite,
  config: Pick<EstateConfig, 'engines' | 'ec2' | 'beanstalk' | 'profile'>,
  clients: PreflightClients,
): Promise<Row[]> {
  // The recovery account runs no instance until a recovery; its region may also be a primary one.
  const peak = instancePeak(config, site.region);
  if (site.role !== 'primary' || peak.total === 0) return [];
  const type = PROFILES[config.profile].instanceType;
  const { InstanceTypes } = await clients
    .ec2(site.role, site.region)
    .send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }));
  const vcpus = InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus;
  if (vcpus === undefined) {
    return [
      row(
        `quota: ${VCPU_QUOTA.name}`,
        `${site.role} ${site.region}`,
        'BLOCKER',
        `instance type ${type} is not offered in ${site.region}`,
        'choose another region for the EC2 engines and Beanstalk',
      ),
    ];
  }
  const value = await quotaValue(clients, site.role, site.region, VCPU_QUOTA);
  const why = `fleet ${peak.fleet} + ASG ${peak.asg} + Beanstalk ${peak.beanstalk} instances of ${type} × ${vcpus} vCPUs`;
  return [compare(VCPU_QUOTA, site, value, peak.total * vcpus, why)];
}

/**
 * A reservation or provisioned concurrency fails to deploy when it would leave less than the unreserved
 * minimum; a region that reserves nothing only throttles above a small quota (new accounts get 10), a warning.
 */
async function checkLambda(
  site: DeploySite,
  config: Pick<EstateConfig, 'engines'>,
  clients: PreflightClients,
): Promise<Row[]> {
  const taken = site.reservedConcurrency + site.provisionedConcurrency;
  const serves =
    site.role === 'primary' &&
    config.engines.serverless.enabled &&
    (config.engines.serverless.regions as readonly string[]).includes(site.region);
  if (taken === 0 && !serves) return [];
  const value = await quotaValue(clients, site.role, site.region, LAMBDA_QUOTA);
  const why = `${site.reservedConcurrency} reserved + ${site.provisionedConcurrency} provisioned + ${UNRESERVED_MINIMUM} unreserved minimum`;
  return [
    compare(LAMBDA_QUOTA, site, value, taken + UNRESERVED_MINIMUM, why, taken > 0 ? 'BLOCKER' : 'warn'),
  ];
}

/** The VPC spreads its NAT gateways one per AZ, so an AZ needs as many as the gateways over the AZs, rounded up. */
async function checkNat(
  site: DeploySite,
  config: Pick<EstateConfig, 'regions'>,
  clients: PreflightClients,
): Promise<Row[]> {
  if (site.natGateways === 0) return [];
  const azs = config.regions[site.region as keyof EstateConfig['regions']]?.availabilityZones.length ?? 1;
  const perAz = Math.ceil(site.natGateways / azs);
  const value = await quotaValue(clients, site.role, site.region, NAT_QUOTA);
  return [compare(NAT_QUOTA, site, value, perAz, `${site.natGateways} NAT gateways over ${azs} AZs`)];
}

/** Addresses already allocated in the region count against the same quota as the estate's. */
async function checkElasticIps(site: DeploySite, clients: PreflightClients): Promise<Row[]> {
  if (site.elasticIps === 0) return [];
  const value = await quotaValue(clients, site.role, site.region, EIP_QUOTA);
  const { Addresses } = await clients.ec2(site.role, site.region).send(new DescribeAddressesCommand({}));
  const used = Addresses?.length ?? 0;
  return [
    compare(
      EIP_QUOTA,
      site,
      value,
      used + site.elasticIps,
      `${used} allocated + ${site.elasticIps} for the NAT gateways`,
    ),
  ];
}

/** Quota rows of every site; a probe per quota, so one refused read leaves the others. */
export async function checkQuotas(
  sites: readonly DeploySite[],
  config: Pick<EstateConfig, 'engines' | 'ec2' | 'beanstalk' | 'profile' | 'regions'>,
  clients: PreflightClients,
): Promise<Row[]> {
  const probes = sites.flatMap((site) => {
    const scope = `${site.role} ${site.region}`;
    const run = (quota: QuotaCode, extra: readonly string[], body: () => Promise<Row[]>) =>
      probe({ check: `quota: ${quota.name}`, scope, permissions: [...QUOTA_PERMISSIONS, ...extra] }, body);
    return [
      run(VCPU_QUOTA, ['ec2:DescribeInstanceTypes'], () => checkVcpus(site, config, clients)),
      run(LAMBDA_QUOTA, [], () => checkLambda(site, config, clients)),
      run(NAT_QUOTA, [], () => checkNat(site, config, clients)),
      run(EIP_QUOTA, ['ec2:DescribeAddresses'], () => checkElasticIps(site, clients)),
    ];
  });
  return (await Promise.all(probes)).flat();
}
