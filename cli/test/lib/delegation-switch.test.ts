import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../infra/config/index.ts';
import { type DelegationPlan, delegationPlan } from '../../../infra/lib/constructs/traffic/delegation.ts';
import { checkDelegationSwitch } from '../../lib/delegation-switch.ts';

const ZONE_ID = 'Z0NEWZONE0000';
const PARENT_ID = 'Z0PARENT00000';
const NEW_NS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'];
const OLD_NS = ['ns-9.awsdns-09.org', 'ns-8.awsdns-08.co.uk', 'ns-7.awsdns-07.com', 'ns-6.awsdns-06.net'];

/** The recovered estate's plan: accounts swapped, the parent zone in its own account. */
function plan(delegation: Record<string, unknown> = {}): DelegationPlan {
  const config = parseConfig({
    accounts: { primary: '222222222222', recovery: '111111111111' },
    dns: {
      domainName: 'hello.example.com',
      delegation: { parentZoneName: 'example.com', parentAccount: '222222222222', ...delegation },
    },
  });
  const found = delegationPlan(config);
  if (found === undefined) throw new Error('the config delegates');
  return found;
}

const route53 = mockClient(Route53Client);

/** Route 53 with the new zone, the parent found by name, and the parent's NS set of the domain. */
function parentDelegatesTo(nameServers: readonly string[] | undefined) {
  route53
    .on(GetHostedZoneCommand, { Id: ZONE_ID })
    .resolves({ HostedZone: undefined, DelegationSet: { NameServers: NEW_NS } });
  route53.on(ListHostedZonesByNameCommand, { DNSName: 'example.com' }).resolves({
    HostedZones: [
      {
        Id: `/hostedzone/${PARENT_ID}`,
        Name: 'example.com.',
        CallerReference: 'a',
        Config: { PrivateZone: false },
      },
      {
        Id: '/hostedzone/Z0PRIVATE0000',
        Name: 'example.com.',
        CallerReference: 'b',
        Config: { PrivateZone: true },
      },
      { Id: '/hostedzone/Z0HELLO000000', Name: 'hello.example.com.', CallerReference: 'c' },
    ],
  });
  route53
    .on(ListResourceRecordSetsCommand, {
      HostedZoneId: PARENT_ID,
      StartRecordName: 'hello.example.com',
      StartRecordType: 'NS',
    })
    .resolves({
      ResourceRecordSets: [
        nameServers === undefined
          ? // The next record set: another subdomain's delegation, not this one.
            {
              Name: 'www.example.com.',
              Type: 'NS',
              TTL: 300,
              ResourceRecords: NEW_NS.map((n) => ({ Value: n })),
            }
          : {
              Name: 'hello.example.com.',
              Type: 'NS',
              TTL: 300,
              ResourceRecords: nameServers.map((n) => ({ Value: `${n.toUpperCase()}.` })),
            },
      ],
      IsTruncated: true,
      MaxItems: 1,
    });
}

const check = (p: DelegationPlan = plan()) => {
  const client = new Route53Client({ region: 'us-east-1' });
  return checkDelegationSwitch({ plan: p, zoneId: ZONE_ID, zoneClient: client, parentClient: client });
};

describe("the recover command's DNS check", () => {
  beforeEach(() => route53.reset());

  it('DR-3: reports the switch done when the parent’s NS set is the new zone’s name servers (case and trailing dots aside), with the TTL resolvers may still hold', async () => {
    parentDelegatesTo([...NEW_NS].reverse());
    expect(await check()).toEqual({
      switched: true,
      parentZoneId: PARENT_ID,
      zoneNameServers: [...NEW_NS].sort(),
      delegatedTo: [...NEW_NS].sort(),
      ttlSeconds: 300,
      message: `example.com (${PARENT_ID}) delegates hello.example.com to zone ${ZONE_ID}; resolvers follow within 300 s`,
    });
  });

  it('DR-3: reports the switch not done while the parent still names the lost zone, or only some of the new name servers', async () => {
    parentDelegatesTo(OLD_NS);
    const old = await check();
    expect(old.switched).toBe(false);
    expect(old.delegatedTo).toEqual([...OLD_NS].sort());
    expect(old.message).toMatch(/^example\.com \(Z0PARENT00000\) delegates hello\.example\.com to ns-6/);
    expect(old.message).toMatch(
      /not to zone Z0NEWZONE0000 .*: deploy the DNS stack of the recovered estate$/,
    );
    route53.reset();
    parentDelegatesTo(NEW_NS.slice(0, 3));
    expect((await check()).switched).toBe(false);
  });

  it('DR-3: reports a parent without the record (the listing starts at the next record set) as not switched', async () => {
    parentDelegatesTo(undefined);
    const result = await check();
    expect(result).toMatchObject({ switched: false, delegatedTo: [] });
    expect(result.message).toBe(
      `example.com (${PARENT_ID}) holds no NS records of hello.example.com: deploy the DNS stack of the recovered estate`,
    );
  });

  it('DR-3: uses the configured parent zone id without looking the name up', async () => {
    parentDelegatesTo(NEW_NS);
    expect((await check(plan({ parentZoneId: PARENT_ID }))).switched).toBe(true);
    expect(route53.commandCalls(ListHostedZonesByNameCommand)).toHaveLength(0);
  });

  it('DR-3: refuses a parent name that matches no public zone, as the delegation record’s handler would', async () => {
    parentDelegatesTo(NEW_NS);
    route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    await expect(check()).rejects.toThrow('expected one public hosted zone named example.com, found 0');
  });
});
