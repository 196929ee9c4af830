// A fake AWS for the preflight: one mocked client per service, account and region, created on demand.
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { type AccountRole, type EstateConfig, parseConfig } from '../../../infra/config/index.ts';
import type { PreflightClients } from '../../preflight/clients.ts';

export const PRIMARY = '123456789012';
export const RECOVERY = '210987654321';

/** The default topology on two real-looking accounts, with `overrides` on top. */
export function testConfig(overrides: Record<string, unknown> = {}): EstateConfig {
  return parseConfig({ accounts: { primary: PRIMARY, recovery: RECOVERY }, ...overrides }, 'test');
}

/** An error as the SDK throws it: what the checks tell apart is its name. */
export const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

const SERVICES = {
  sts: STSClient,
  route53: Route53Client,
  iam: IAMClient,
  organizations: OrganizationsClient,
  cloudFormation: CloudFormationClient,
  ssm: SSMClient,
  serviceQuotas: ServiceQuotasClient,
  ec2: EC2Client,
  elasticBeanstalk: ElasticBeanstalkClient,
  rds: RDSClient,
  backup: BackupClient,
  configService: ConfigServiceClient,
  codeConnections: CodeStarConnectionsClient,
} as const;
type Service = keyof typeof SERVICES;
type ClientOf<S extends Service> = InstanceType<(typeof SERVICES)[S]>;

/** The fake: `stub` configures a client, `clients` hands them to the checks. */
export interface FakeAws {
  /** The stub of a service in one account, for one region or (`*`, the default) every region not stubbed alone. */
  stub<S extends Service>(service: S, role: AccountRole, region?: string): AwsClientStub<ClientOf<S>>;
  /** What public DNS answers for a domain's NS records: the names, or the node:dns code it fails with. */
  delegate(domain: string, answer: readonly string[] | string): void;
  readonly clients: PreflightClients;
}

export function fakeAws(): FakeAws {
  const stubs = new Map<string, { client: unknown; stub: unknown }>();
  const entry = <S extends Service>(service: S, role: AccountRole, region: string) => {
    const key = `${service}/${role}/${region}`;
    let found = stubs.get(key);
    if (found === undefined) {
      const Client = SERVICES[service] as new (settings: object) => ClientOf<S>;
      const client = new Client({ region: region === '*' ? 'us-east-1' : region });
      found = { client, stub: mockClient(client as never) };
      stubs.set(key, found);
    }
    return found as { client: ClientOf<S>; stub: AwsClientStub<ClientOf<S>> };
  };
  const client = <S extends Service>(service: S, role: AccountRole, region = '*'): ClientOf<S> =>
    (stubs.has(`${service}/${role}/${region}`) ? entry(service, role, region) : entry(service, role, '*'))
      .client;
  const delegations = new Map<string, readonly string[] | string>();
  return {
    stub: (service, role, region = '*') => entry(service, role, region).stub,
    delegate: (domain, answer) => {
      delegations.set(domain, answer);
    },
    clients: {
      sts: (role) => client('sts', role),
      route53: (role) => client('route53', role),
      nameServers: async (domain) => {
        const answer = delegations.get(domain) ?? 'ENOTFOUND';
        if (typeof answer === 'string')
          throw Object.assign(new Error(`queryNs ${answer} ${domain}`), { code: answer });
        return [...answer];
      },
      iam: (role) => client('iam', role),
      organizations: (role) => client('organizations', role),
      cloudFormation: (role, region) => client('cloudFormation', role, region),
      ssm: (role, region) => client('ssm', role, region),
      serviceQuotas: (role, region) => client('serviceQuotas', role, region),
      ec2: (role, region) => client('ec2', role, region),
      elasticBeanstalk: (role, region) => client('elasticBeanstalk', role, region),
      rds: (role, region) => client('rds', role, region),
      backup: (role, region) => client('backup', role, region),
      configService: (role, region) => client('configService', role, region),
      codeConnections: (role, region) => client('codeConnections', role, region),
    },
  };
}
