// Row group: the domain's delegation. ACM validates every certificate through DNS, so until the parent
// zone delegates the domain to the estate's hosted zone no certificate is issued and the deploy waits on
// it until CloudFormation gives up.
import { Resolver } from 'node:dns/promises';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { type EstateConfig, PLACEHOLDER_DOMAIN } from '../../infra/config/index.ts';
import { EDGE_REGION, zoneIdParameterName } from '../../infra/lib/constructs/traffic/names.ts';
import type { PreflightClients } from './clients.ts';
import { errorName, probe, type Row, row } from './report.ts';

/** Public resolvers asked for the delegation: what any user's resolver finds, not a local cache. */
export const PUBLIC_RESOLVERS = ['1.1.1.1', '8.8.8.8'] as const;

/** The name servers public resolvers give for `domain`, lower case, without the trailing dot. */
export async function publicNameServers(domain: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers([...PUBLIC_RESOLVERS]);
  return resolver.resolveNs(domain);
}

const normalized = (names: readonly string[]) =>
  [...new Set(names.map((n) => n.toLowerCase().replace(/\.$/, '')))].sort();

// node:dns codes for a name with no NS records or no name at all: the domain is not delegated.
const NOT_DELEGATED = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * One row: the hosted zone's name servers (Route 53) against those the parent delegates to (public DNS).
 * The zone is the configured one, else the DNS stack's, found through its published id: before that
 * stack's first deploy there is no zone to compare with yet.
 */
export async function checkDelegation(config: EstateConfig, clients: PreflightClients): Promise<Row[]> {
  const domain = config.dns.domainName;
  const check = 'domain delegation';
  if (PLACEHOLDER_DOMAIN.test(domain)) {
    return [
      row(
        check,
        domain,
        'warn',
        `${domain} is a placeholder: no certificate of it can be issued`,
        'set dns.domainName to a domain you own',
      ),
    ];
  }
  const parameter = zoneIdParameterName(config);
  const permissions = ['route53:GetHostedZone', ...(config.dns.hostedZoneId ? [] : ['ssm:GetParameter'])];
  return probe({ check, scope: domain, permissions }, async () => {
    let zoneId = config.dns.hostedZoneId;
    if (zoneId === undefined) {
      try {
        const { Parameter } = await clients
          .ssm('primary', EDGE_REGION)
          .send(new GetParameterCommand({ Name: parameter }));
        zoneId = Parameter?.Value;
      } catch (error) {
        if (errorName(error) !== 'ParameterNotFound') throw error;
      }
    }
    if (zoneId === undefined) {
      return [
        row(
          check,
          domain,
          'warn',
          `no hosted zone yet (${parameter} is not in ${EDGE_REGION}): the DNS stack creates it`,
          `deploy the DNS stack first, run the preflight again and set the name servers it prints at the registrar of ${domain}`,
        ),
      ];
    }
    const { DelegationSet } = await clients.route53('primary').send(new GetHostedZoneCommand({ Id: zoneId }));
    const zone = normalized(DelegationSet?.NameServers ?? []);
    let delegated: string[];
    try {
      delegated = normalized(await clients.nameServers(domain));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!NOT_DELEGATED.has(code)) throw error;
      delegated = [];
    }
    const fix = `set the NS records of ${domain} at its registrar (or parent zone) to exactly: ${zone.join(', ')}`;
    if (delegated.length === 0) {
      return [
        row(check, domain, 'BLOCKER', `${domain} is not delegated: public DNS has no NS records for it`, fix),
      ];
    }
    if (delegated.join() !== zone.join()) {
      return [
        row(
          check,
          domain,
          'BLOCKER',
          `${domain} is delegated to ${delegated.join(', ')}, not to hosted zone ${zoneId}`,
          fix,
        ),
      ];
    }
    return [row(check, domain, 'ok', `delegated to hosted zone ${zoneId}: ${zone.join(', ')}`)];
  });
}
