import { DescribeDBClustersCommand, DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createEndpointHandler, type RegionClients } from '../../functions/database-endpoint/handler.ts';
import { readEndpointSettings } from '../../functions/database-endpoint/settings.ts';

const ACCOUNT = '111111111111';
const HOME = 'us-east-1';
const SECONDARY = 'eu-central-1';
const arn = (region: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:hello-${region}`;
const writerOf = (region: string) => `hello-${region}.cluster-abc.${region}.rds.amazonaws.com`;
const readerOf = (region: string) => `hello-${region}.cluster-ro-abc.${region}.rds.amazonaws.com`;

const settings = readEndpointSettings({
  AWS_REGION: SECONDARY,
  GLOBAL_CLUSTER_IDENTIFIER: 'hello-global',
  ENDPOINT_PARAMETER_PATTERN: '/hello/{region}/database/endpoint',
});

/** The event EventBridge delivers when a switchover has made eu-central-1 the primary (RDS-EVENT-0185). */
const switchoverFinished = {
  version: '0',
  id: '68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e',
  'detail-type': 'RDS DB Cluster Event',
  source: 'aws.rds',
  account: ACCOUNT,
  time: '2026-12-04T10:00:00Z',
  region: SECONDARY,
  resources: [arn(SECONDARY)],
  detail: {
    EventCategories: ['global-failover'],
    SourceType: 'CLUSTER',
    SourceArn: arn(SECONDARY),
    Date: '2026-12-04T10:00:00.000Z',
    Message: `Global switchover to DB cluster hello-${SECONDARY} in Region ${SECONDARY} finished.`,
    SourceIdentifier: `hello-${SECONDARY}`,
    EventID: 'RDS-EVENT-0185',
  },
};

/** Each region's RDS and SSM, mocked; `parameters` is what SSM holds, by region. */
function regions(writer: string, parameters: Record<string, string>, unreachable: string[] = []) {
  const clients = new Map<string, RegionClients>();
  const puts: { region: string; name: string; value: string }[] = [];
  for (const region of [HOME, SECONDARY]) {
    const pair = { rds: new RDSClient({ region }), ssm: new SSMClient({ region }) };
    const rds = mockClient(pair.rds);
    const ssm = mockClient(pair.ssm);
    rds.on(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: 'hello-global' }).resolves({
      GlobalClusters: [
        {
          GlobalClusterIdentifier: 'hello-global',
          GlobalClusterMembers: [HOME, SECONDARY].map((member) => ({
            DBClusterArn: arn(member),
            IsWriter: member === writer,
          })),
        },
      ],
    });
    if (unreachable.includes(region)) rds.on(DescribeDBClustersCommand).rejects(new Error('timeout'));
    else {
      rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: arn(region) }).resolves({
        DBClusters: [{ Endpoint: writerOf(region), ReaderEndpoint: readerOf(region) }],
      });
    }
    ssm
      .on(GetParameterCommand)
      .callsFake(async ({ Name }) => ({ Parameter: { Name, Value: parameters[region] } }));
    ssm.on(PutParameterCommand).callsFake(async (input) => {
      puts.push({ region, name: input.Name, value: input.Value });
      return { Version: 2 };
    });
    clients.set(region, pair);
  }
  const clientsOf = (region: string) => {
    const pair = clients.get(region);
    if (pair === undefined) throw new Error(`no clients for ${region}`);
    return pair;
  };
  return { clientsOf, puts };
}

describe('database-endpoint function', () => {
  it('DATA-3: after a switchover each region gets its new role: the writer endpoint in the new primary, the reader endpoint in the old one', async () => {
    const { clientsOf, puts } = regions(SECONDARY, {
      [HOME]: writerOf(HOME),
      [SECONDARY]: readerOf(SECONDARY),
    });
    const published = await createEndpointHandler(settings, clientsOf)(switchoverFinished);
    expect(puts).toEqual(
      expect.arrayContaining([
        { region: SECONDARY, name: `/hello/${SECONDARY}/database/endpoint`, value: writerOf(SECONDARY) },
        { region: HOME, name: `/hello/${HOME}/database/endpoint`, value: readerOf(HOME) },
      ]),
    );
    expect(puts).toHaveLength(2);
    expect(published.map(({ region, role }) => [region, role])).toEqual([
      [HOME, 'secondary'],
      [SECONDARY, 'primary'],
    ]);
  });

  it('DATA-3: a repeated event rewrites nothing (the roles come from RDS, not from the event)', async () => {
    const { clientsOf, puts } = regions(SECONDARY, {
      [HOME]: readerOf(HOME),
      [SECONDARY]: writerOf(SECONDARY),
    });
    await createEndpointHandler(settings, clientsOf)(switchoverFinished);
    expect(puts).toEqual([]);
  });

  it('DATA-3: a region that cannot be reached fails the invocation (retried) after the others are written', async () => {
    const { clientsOf, puts } = regions(
      SECONDARY,
      { [HOME]: writerOf(HOME), [SECONDARY]: readerOf(SECONDARY) },
      [HOME],
    );
    await expect(createEndpointHandler(settings, clientsOf)(switchoverFinished)).rejects.toThrow(
      /endpoints not published: .*timeout/,
    );
    expect(puts).toEqual([
      { region: SECONDARY, name: `/hello/${SECONDARY}/database/endpoint`, value: writerOf(SECONDARY) },
    ]);
  });

  it('refuses an environment without a {region} in the parameter pattern', () => {
    expect(() =>
      readEndpointSettings({
        AWS_REGION: HOME,
        GLOBAL_CLUSTER_IDENTIFIER: 'hello-global',
        ENDPOINT_PARAMETER_PATTERN: '/hello/database/endpoint',
      }),
    ).toThrow(/ENDPOINT_PARAMETER_PATTERN/);
  });
});
