// The AWS clients the checks read with, one account's credentials each; the tests hand in mocked ones.
import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AccountRole } from '../../infra/config/index.ts';

/** One client per service, account and (for regional services) region. */
export interface PreflightClients {
  sts(role: AccountRole): STSClient;
  route53(role: AccountRole): Route53Client;
  /** The name servers public DNS gives for a domain (node:dns codes on failure). */
  nameServers(domain: string): Promise<string[]>;
  iam(role: AccountRole): IAMClient;
  organizations(role: AccountRole): OrganizationsClient;
  cloudFormation(role: AccountRole, region: string): CloudFormationClient;
  ssm(role: AccountRole, region: string): SSMClient;
  serviceQuotas(role: AccountRole, region: string): ServiceQuotasClient;
  ec2(role: AccountRole, region: string): EC2Client;
  elasticBeanstalk(role: AccountRole, region: string): ElasticBeanstalkClient;
  rds(role: AccountRole, region: string): RDSClient;
  backup(role: AccountRole, region: string): BackupClient;
  configService(role: AccountRole, region: string): ConfigServiceClient;
  codeConnections(role: AccountRole, region: string): CodeStarConnectionsClient;
}

/** Named AWS CLI profiles per account; an absent one means the SDK's default chain. */
export interface AccountProfiles {
  readonly primary?: string;
  readonly recovery?: string;
}

/**
 * Real clients, the SDK packages loaded only when a preflight runs (argument errors answer at once). Global
 * services (STS, IAM, Organizations, Route 53) are asked in the home region.
 */
export async function awsClients(homeRegion: string, profiles: AccountProfiles): Promise<PreflightClients> {
  const [
    backup,
    cfn,
    configService,
    ec2,
    eb,
    iam,
    org,
    rds,
    quotas,
    ssm,
    sts,
    providers,
    route53,
    delegation,
    connections,
  ] = await Promise.all([
    import('@aws-sdk/client-backup'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-config-service'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-elastic-beanstalk'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-organizations'),
    import('@aws-sdk/client-rds'),
    import('@aws-sdk/client-service-quotas'),
    import('@aws-sdk/client-ssm'),
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/credential-providers'),
    import('@aws-sdk/client-route-53'),
    import('./delegation.ts'),
    import('@aws-sdk/client-codestar-connections'),
  ]);
  const cache = new Map<string, unknown>();
  const client = <T>(
    make: new (settings: object) => T,
    service: string,
    role: AccountRole,
    region = homeRegion,
  ): T => {
    const key = `${service}/${role}/${region}`;
    let c = cache.get(key) as T | undefined;
    if (c === undefined) {
      const profile = profiles[role];
      const credentials = profile === undefined ? {} : { credentials: providers.fromIni({ profile }) };
      c = new make({ region, ...credentials });
      cache.set(key, c);
    }
    return c;
  };
  return {
    sts: (role) => client(sts.STSClient, 'sts', role),
    route53: (role) => client(route53.Route53Client, 'route53', role),
    nameServers: delegation.publicNameServers,
    iam: (role) => client(iam.IAMClient, 'iam', role),
    organizations: (role) => client(org.OrganizationsClient, 'organizations', role),
    cloudFormation: (role, region) => client(cfn.CloudFormationClient, 'cfn', role, region),
    ssm: (role, region) => client(ssm.SSMClient, 'ssm', role, region),
    serviceQuotas: (role, region) => client(quotas.ServiceQuotasClient, 'quotas', role, region),
    ec2: (role, region) => client(ec2.EC2Client, 'ec2', role, region),
    elasticBeanstalk: (role, region) => client(eb.ElasticBeanstalkClient, 'eb', role, region),
    rds: (role, region) => client(rds.RDSClient, 'rds', role, region),
    backup: (role, region) => client(backup.BackupClient, 'backup', role, region),
    configService: (role, region) => client(configService.ConfigServiceClient, 'config', role, region),
    codeConnections: (role, region) =>
      client(connections.CodeStarConnectionsClient, 'connections', role, region),
  };
}
