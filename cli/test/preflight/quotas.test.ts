import { DescribeAddressesCommand, DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { describe, expect, it } from 'vitest';
import type { DeploySite } from '../../preflight/estate.ts';
import {
  checkQuotas,
  EIP_QUOTA,
  instancePeak,
  LAMBDA_QUOTA,
  NAT_QUOTA,
  type QuotaCode,
  VCPU_QUOTA,
} from '../../preflight/quotas.ts';
import { awsError, type FakeAws, fakeAws, PRIMARY, RECOVERY, testConfig } from './support.ts';

const site = (role: 'primary' | 'recovery', region: string, extra: Partial<DeploySite> = {}): DeploySite => ({
  role,
  account: role === 'primary' ? PRIMARY : RECOVERY,
  region,
  stacks: [],
  natGateways: 0,
  elasticIps: 0,
  reservedConcurrency: 0,
  provisionedConcurrency: 0,
  ...extra,
});

/** Applied quota values by code, the same in every region and account. */
function withQuotas(
  values: Partial<Record<string, number>>,
  role: 'primary' | 'recovery' = 'primary',
): FakeAws {
  const aws = fakeAws();
  const quotas = aws.stub('serviceQuotas', role);
  for (const q of [VCPU_QUOTA, LAMBDA_QUOTA, NAT_QUOTA, EIP_QUOTA] as QuotaCode[]) {
    const input = { ServiceCode: q.service, QuotaCode: q.code };
    quotas.on(GetServiceQuotaCommand, input).resolves({ Quota: { Value: values[q.code] ?? 1000 } });
  }
  aws
    .stub('ec2', role)
    .on(DescribeInstanceTypesCommand)
    .resolves({ InstanceTypes: [{ InstanceType: 't3.micro', VCpuInfo: { DefaultVCpus: 2 } }] })
    .on(DescribeAddressesCommand)
    .resolves({ Addresses: [] });
  return aws;
}

const config = testConfig();

describe('preflight: service quotas', () => {
  it("OPS-6: the instance peak of a region counts the fleet, the ASG's maximum and Beanstalk's spare set", () => {
    // Defaults: fleet 5 and ASG max 20 in us-east-1; Beanstalk max 4 in eu-west-1, deployed Immutable.
    expect(instancePeak(config, 'us-east-1')).toEqual({ fleet: 5, asg: 20, beanstalk: 0, total: 25 });
    expect(instancePeak(config, 'eu-west-1').total).toBe(8);
    expect(instancePeak(testConfig({ beanstalk: { deploymentPolicy: 'Rolling' } }), 'eu-west-1').total).toBe(
      4,
    );
    expect(instancePeak(config, 'us-west-2').total).toBe(0);
  });

  it('OPS-6: a vCPU quota below the peak is a blocker with both numbers and the increase command', async () => {
    // A fresh account's 16 vCPUs against 25 t3.micro instances of 2 vCPUs.
    const aws = withQuotas({ [VCPU_QUOTA.code]: 16 });
    const [row] = await checkQuotas([site('primary', 'us-east-1')], config, aws.clients);
    expect(row).toMatchObject({
      check: 'quota: EC2 On-Demand vCPUs',
      scope: 'primary us-east-1',
      status: 'BLOCKER',
    });
    expect(row?.detail).toContain('quota 16 < 50 needed');
    expect(row?.fix).toBe(
      'aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1216C47A --desired-value 50 --region us-east-1',
    );
    const enough = await checkQuotas(
      [site('primary', 'us-east-1')],
      config,
      withQuotas({ [VCPU_QUOTA.code]: 64 }).clients,
    );
    expect(enough.map((r) => r.status)).toEqual(['ok']);
  });

  it('OPS-6: an account that never changed a quota is judged on its AWS default', async () => {
    const aws = fakeAws();
    aws
      .stub('serviceQuotas', 'primary')
      .on(GetServiceQuotaCommand)
      .rejects(awsError('NoSuchResourceException'));
    aws
      .stub('serviceQuotas', 'primary')
      .on(GetAWSDefaultServiceQuotaCommand)
      .resolves({ Quota: { Value: 32 } });
    aws
      .stub('ec2', 'primary')
      .on(DescribeInstanceTypesCommand)
      .resolves({ InstanceTypes: [{ VCpuInfo: { DefaultVCpus: 2 } }] });
    const [row] = await checkQuotas([site('primary', 'us-east-1')], config, aws.clients);
    expect(row?.detail).toContain('quota 32 < 50');
  });

  it('OPS-6: a refused quota read is a row naming servicequotas:GetServiceQuota, not a guess from the default', async () => {
    const aws = withQuotas({});
    aws
      .stub('serviceQuotas', 'primary')
      .on(GetServiceQuotaCommand)
      .rejects(
        awsError('AccessDeniedException', 'is not authorized to perform: servicequotas:GetServiceQuota'),
      )
      .on(GetAWSDefaultServiceQuotaCommand)
      .resolves({ Quota: { Value: 1000 } });
    const [row] = await checkQuotas([site('primary', 'us-east-1')], config, aws.clients);
    expect(row).toMatchObject({
      check: 'quota: EC2 On-Demand vCPUs',
      status: 'warn',
      detail: 'not checked: servicequotas:GetServiceQuota was refused',
    });
  });

  it('OPS-6: reserved or provisioned concurrency that would leave less than 100 unreserved is a blocker', async () => {
    // The recovery account's relay reserves 1; a new account's quota is 10.
    const aws = withQuotas({ [LAMBDA_QUOTA.code]: 10 }, 'recovery');
    const rows = await checkQuotas(
      [site('recovery', 'us-east-2', { reservedConcurrency: 1 })],
      config,
      aws.clients,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        check: 'quota: Lambda concurrency',
        status: 'BLOCKER',
        detail: expect.stringContaining('quota 10 < 101'),
      }),
    ]);
    const ample = await checkQuotas(
      [site('recovery', 'us-east-2', { reservedConcurrency: 1 })],
      config,
      withQuotas({ [LAMBDA_QUOTA.code]: 1000 }, 'recovery').clients,
    );
    expect(ample.map((r) => r.status)).toEqual(['ok']);
  });

  it('OPS-6: a small Lambda quota where the serverless engine reserves nothing is a warning, not a blocker', async () => {
    const aws = withQuotas({ [LAMBDA_QUOTA.code]: 10 });
    const rows = await checkQuotas([site('primary', 'ap-southeast-2')], config, aws.clients);
    expect(rows.map((r) => [r.check, r.status])).toEqual([['quota: Lambda concurrency', 'warn']]);
  });

  it('OPS-6: Elastic IPs already allocated count against the quota beside the NAT gateways', async () => {
    const aws = withQuotas({ [EIP_QUOTA.code]: 5 });
    aws
      .stub('ec2', 'primary')
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [{}, {}, {}] });
    const production = site('primary', 'eu-central-1', { natGateways: 3, elasticIps: 3 });
    const rows = await checkQuotas([production], config, aws.clients);
    expect(rows.find((r) => r.check === 'quota: Elastic IPs')).toMatchObject({
      status: 'BLOCKER',
      detail: 'quota 5 < 6 needed (3 allocated + 3 for the NAT gateways)',
    });
    expect(rows.find((r) => r.check === 'quota: NAT gateways per AZ')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('>= 1 (3 NAT gateways over 3 AZs)'),
    });
  });

  it('OPS-6: a NAT gateway quota per AZ below what a VPC puts in one AZ is a blocker', async () => {
    const aws = withQuotas({ [NAT_QUOTA.code]: 0 });
    const rows = await checkQuotas(
      [site('primary', 'eu-central-1', { natGateways: 1, elasticIps: 1 })],
      config,
      aws.clients,
    );
    expect(rows.find((r) => r.check === 'quota: NAT gateways per AZ')?.status).toBe('BLOCKER');
  });
});
