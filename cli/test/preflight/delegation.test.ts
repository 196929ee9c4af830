import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { checkDelegation } from '../../preflight/delegation.ts';
import { awsError, fakeAws, testConfig } from './support.ts';

const DOMAIN = 'hello-estate.dev';
const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const ZONE_NS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'];
const PARAMETER = '/hello/us-east-1/dns/zone-id';

/** An AWS whose DNS stack published the zone's id, and a zone with its four name servers. */
function withZone() {
  const aws = fakeAws();
  aws
    .stub('ssm', 'primary', 'us-east-1')
    .on(GetParameterCommand, { Name: PARAMETER })
    .resolves({ Parameter: { Value: ZONE_ID } });
  aws
    .stub('route53', 'primary')
    .on(GetHostedZoneCommand, { Id: ZONE_ID })
    .resolves({ HostedZone: undefined, DelegationSet: { NameServers: ZONE_NS } });
  return aws;
}
const config = testConfig({ dns: { domainName: DOMAIN } });

describe("preflight: the domain's delegation", () => {
  it('DNS-1: a domain delegated to the zone’s name servers passes, whatever the case, order and trailing dots', async () => {
    const aws = withZone();
    aws.delegate(
      DOMAIN,
      [...ZONE_NS].reverse().map((n) => `${n.toUpperCase()}.`),
    );
    expect(await checkDelegation(config, aws.clients)).toEqual([
      {
        check: 'domain delegation',
        scope: DOMAIN,
        status: 'ok',
        detail: `delegated to hosted zone ${ZONE_ID}: ${[...ZONE_NS].sort().join(', ')}`,
        fix: '',
      },
    ]);
  });

  it('DNS-1: a domain delegated elsewhere is a blocker that names the exact NS records to set at the registrar', async () => {
    const aws = withZone();
    aws.delegate(DOMAIN, ['ns1.old-host.net', 'ns2.old-host.net']);
    const [found] = await checkDelegation(config, aws.clients);
    expect(found).toEqual({
      check: 'domain delegation',
      scope: DOMAIN,
      status: 'BLOCKER',
      detail: `${DOMAIN} is delegated to ns1.old-host.net, ns2.old-host.net, not to hosted zone ${ZONE_ID}`,
      fix: `set the NS records of ${DOMAIN} at its registrar (or parent zone) to exactly: ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk, ns-3.awsdns-03.com, ns-4.awsdns-04.net`,
    });
  });

  it('DNS-1: a partial delegation (one server of the zone missing) is a blocker too', async () => {
    const aws = withZone();
    aws.delegate(DOMAIN, ZONE_NS.slice(0, 3));
    expect((await checkDelegation(config, aws.clients)).map((r) => r.status)).toEqual(['BLOCKER']);
  });

  it('DNS-1: a domain public DNS does not know is a blocker with the records to set', async () => {
    const aws = withZone();
    const [found] = await checkDelegation(config, aws.clients);
    expect(found?.status).toBe('BLOCKER');
    expect(found?.detail).toBe(`${DOMAIN} is not delegated: public DNS has no NS records for it`);
    expect(found?.fix).toContain(ZONE_NS.join(', '));
  });

  it('DNS-1: a configured zone id is read directly, without the published parameter', async () => {
    const aws = fakeAws();
    aws
      .stub('route53', 'primary')
      .on(GetHostedZoneCommand, { Id: 'ZEXISTING1234' })
      .resolves({ DelegationSet: { NameServers: ZONE_NS } });
    aws.delegate(DOMAIN, ZONE_NS);
    const rows = await checkDelegation(
      testConfig({ dns: { domainName: DOMAIN, hostedZoneId: 'ZEXISTING1234' } }),
      aws.clients,
    );
    expect(rows.map((r) => [r.status, r.detail])).toEqual([
      ['ok', `delegated to hosted zone ZEXISTING1234: ${[...ZONE_NS].sort().join(', ')}`],
    ]);
  });

  it('DNS-1: before the DNS stack exists there is no zone to compare: a warning that says what to do first', async () => {
    const aws = fakeAws();
    aws.stub('ssm', 'primary', 'us-east-1').on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const rows = await checkDelegation(config, aws.clients);
    expect(rows).toEqual([
      expect.objectContaining({
        status: 'warn',
        detail: `no hosted zone yet (${PARAMETER} is not in us-east-1): the DNS stack creates it`,
      }),
    ]);
  });

  it('DNS-1: a placeholder domain is a warning and asks nothing of AWS or DNS', async () => {
    const aws = fakeAws();
    const rows = await checkDelegation(testConfig(), aws.clients);
    expect(rows).toEqual([
      {
        check: 'domain delegation',
        scope: 'example.com',
        status: 'warn',
        detail: 'example.com is a placeholder: no certificate of it can be issued',
        fix: 'set dns.domainName to a domain you own',
      },
    ]);
  });

  it('DNS-1: a refused GetHostedZone names the permission instead of failing the preflight', async () => {
    const aws = withZone();
    aws
      .stub('route53', 'primary')
      .on(GetHostedZoneCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: route53:GetHostedZone'));
    const rows = await checkDelegation(config, aws.clients);
    expect(rows.map((r) => [r.status, r.detail])).toEqual([
      ['warn', 'not checked: route53:GetHostedZone was refused'],
    ]);
  });
});
