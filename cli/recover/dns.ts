// Step 5 of the account-loss runbook: do users reach the recovered estate? `app.<domain>` must resolve
// through a hosted zone the recovery account holds, delegated to by the domain's parent. With
// `dns.delegation` the recovered DNS stack wrote that delegation and Route 53's parent zone is asked;
// without, the registrar holds it and this step checks it and names the manual change.
import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import type { DelegationPlan } from '../../infra/lib/constructs/traffic/delegation.ts';
import { checkDelegationSwitch } from '../lib/delegation-switch.ts';
import { call, type RecoverClients } from './clients.ts';

/** The check's verdict: done, or the exact step left to the operator. */
export interface DnsCheck {
  readonly ok: boolean;
  readonly line: string;
  /** What the operator must do before running the command again. */
  readonly manual?: string;
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * The recovery account's public zone of `domain`, its `app` record and its name servers against the
 * parent zone's NS set when the recovery account holds that zone (`delegation`), else against the ones
 * public resolvers give for the domain (`nameServers`).
 */
export async function checkDns(
  clients: RecoverClients,
  domain: string,
  nameServers: (domain: string) => Promise<string[]>,
  delegation?: DelegationPlan,
): Promise<DnsCheck> {
  const route53 = clients.route53();
  const app = `app.${domain}`;
  const { HostedZones } = await call('route53:ListHostedZonesByName', 'global', () =>
    route53.send(new ListHostedZonesByNameCommand({ DNSName: domain })),
  );
  const zone = (HostedZones ?? []).find(
    (z) => bare(z.Name ?? '') === domain && z.Config?.PrivateZone !== true,
  );
  if (zone?.Id === undefined)
    return {
      ok: false,
      line: `the recovery account holds no public hosted zone ${domain}`,
      manual: `the recovered estate's DNS stack creates the zone ${domain} in the recovery account: check that the deploy created it, then run again`,
    };
  const id = zone.Id.replace(/^\/hostedzone\//, '');
  const { ResourceRecordSets } = await call('route53:ListResourceRecordSets', 'global', () =>
    route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, StartRecordName: app, MaxItems: 1 })),
  );
  if (!(ResourceRecordSets ?? []).some((r) => bare(r.Name ?? '') === app))
    return {
      ok: false,
      line: `zone ${id} of the recovery account has no ${app} record`,
      manual: `deploy the recovered estate's traffic stacks (they create ${app}), then run again`,
    };
  // A parent zone in another account than the recovery one is beyond its credentials: resolvers are asked.
  if (delegation?.inAccount === true) {
    const parent = `${delegation.parentZoneName}${delegation.parentZoneId === undefined ? '' : ` (${delegation.parentZoneId})`}`;
    const delegated = await call('route53:GetHostedZone and route53:ListResourceRecordSets', 'global', () =>
      checkDelegationSwitch({ plan: delegation, zoneId: id, zoneClient: route53, parentClient: route53 }),
    );
    if (delegated.switched)
      return {
        ok: true,
        line: `${delegated.message} (the parent's NS TTL: resolvers that cached the old delegation may send users to the lost zone until then); ${app} resolves through zone ${id} of the recovery account`,
      };
    return {
      ok: false,
      line: delegated.message,
      manual: `the recovered estate's DNS stack writes the NS records of ${domain} in the parent zone ${parent} (dns.delegation): look at that stack's events in CloudFormation, deploy it again, then run again`,
    };
  }
  const { DelegationSet } = await call('route53:GetHostedZone', 'global', () =>
    route53.send(new GetHostedZoneCommand({ Id: id })),
  );
  const own = [...new Set((DelegationSet?.NameServers ?? []).map(bare))].sort();
  const delegated = [...new Set((await nameServers(domain).catch(() => [])).map(bare))].sort();
  if (own.join() !== delegated.join())
    return {
      ok: false,
      line: `${domain} is delegated to ${delegated.join(', ') || 'no name servers'}, not to zone ${id} of the recovery account`,
      manual: `at the registrar of ${domain}, set its name servers to ${own.join(', ')} (zone ${id} of the recovery account), wait for public resolvers to follow (the parent's NS TTL, up to 2 days with some registrars), then run again`,
    };
  return { ok: true, line: `${app} resolves through zone ${id} of the recovery account (${own.join(', ')})` };
}
