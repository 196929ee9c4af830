// The check of an account-loss recovery's DNS step (DR-3): the parent zone's NS set of the domain names the
// recovered estate's zone. Route 53 is asked directly, not public resolvers, so the answer holds the moment
// the recovered DNS stack has written the record; resolvers follow within the TTL it reports.
import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { DelegationPlan } from '../../infra/lib/constructs/traffic/delegation.ts';

/** What {@link checkDelegationSwitch} needs: the plan, the zone to check and a client of each account. */
export interface DelegationSwitchInput {
  /** From `delegationPlan(config)` of the recovered estate's config. */
  readonly plan: DelegationPlan;
  /** The recovered estate's zone of `plan.recordName`. */
  readonly zoneId: string;
  /** Route 53 as the account holding that zone. */
  readonly zoneClient: Route53Client;
  /** Route 53 as the account holding the parent zone (the same client when it is in-account). */
  readonly parentClient: Route53Client;
}

/** The outcome: switched, with the name servers on both sides and the TTL resolvers may still hold. */
export interface DelegationSwitch {
  /** True when the parent's NS set is exactly the zone's name servers. */
  readonly switched: boolean;
  /** The parent zone's id (from the config, or found by name). */
  readonly parentZoneId: string;
  /** The zone's four name servers, normalized and sorted. */
  readonly zoneNameServers: readonly string[];
  /** The parent's NS set of the domain, normalized and sorted; empty when it has none. */
  readonly delegatedTo: readonly string[];
  /** The TTL of the parent's NS set: how long a resolver may still send users to the old zone. */
  readonly ttlSeconds?: number;
  /** One line for the operator. */
  readonly message: string;
}

const normalized = (names: readonly (string | undefined)[]) =>
  [...new Set(names.flatMap((n) => (n === undefined ? [] : [n.toLowerCase().replace(/\.$/, '')])))].sort();

/** The id without Route 53's `/hostedzone/` prefix. */
const bareId = (id: string) => id.replace(/^\/hostedzone\//, '');

/** Compares the parent zone's NS set of the domain with the zone's name servers; throws on AWS errors. */
export async function checkDelegationSwitch(input: DelegationSwitchInput): Promise<DelegationSwitch> {
  const { plan, zoneId, zoneClient, parentClient } = input;
  const { DelegationSet } = await zoneClient.send(new GetHostedZoneCommand({ Id: zoneId }));
  const zoneNameServers = normalized(DelegationSet?.NameServers ?? []);
  const parentZoneId = plan.parentZoneId ?? (await parentZoneByName(parentClient, plan.parentZoneName));
  const { ResourceRecordSets } = await parentClient.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: parentZoneId,
      StartRecordName: plan.recordName,
      StartRecordType: 'NS',
      MaxItems: 1,
    }),
  );
  // The listing starts at the name and type asked for, or at the next record set when there is none.
  const record = ResourceRecordSets?.find(
    (r) => r.Type === 'NS' && normalized([r.Name])[0] === plan.recordName.toLowerCase(),
  );
  const delegatedTo = normalized(record?.ResourceRecords?.map((r) => r.Value) ?? []);
  const switched = delegatedTo.length > 0 && delegatedTo.join() === zoneNameServers.join();
  const where = `${plan.parentZoneName} (${parentZoneId})`;
  const message =
    record === undefined
      ? `${where} holds no NS records of ${plan.recordName}: deploy the DNS stack of the recovered estate`
      : switched
        ? `${where} delegates ${plan.recordName} to zone ${zoneId}; resolvers follow within ${record.TTL ?? '?'} s`
        : `${where} delegates ${plan.recordName} to ${delegatedTo.join(', ')}, not to zone ${zoneId} (${zoneNameServers.join(', ')}): deploy the DNS stack of the recovered estate`;
  return {
    switched,
    parentZoneId,
    zoneNameServers,
    delegatedTo,
    ...(record?.TTL === undefined ? {} : { ttlSeconds: record.TTL }),
    message,
  };
}

/** The one public zone of that name, as the delegation record's own handler finds it. */
async function parentZoneByName(client: Route53Client, name: string): Promise<string> {
  const { HostedZones } = await client.send(new ListHostedZonesByNameCommand({ DNSName: name }));
  const matches = (HostedZones ?? []).filter(
    (z) => normalized([z.Name])[0] === name && z.Config?.PrivateZone !== true && z.Id !== undefined,
  );
  const [zone] = matches;
  if (matches.length !== 1 || zone?.Id === undefined) {
    throw new Error(`expected one public hosted zone named ${name}, found ${matches.length}`);
  }
  return bareId(zone.Id);
}
