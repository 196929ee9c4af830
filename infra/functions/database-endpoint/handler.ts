import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { EndpointSettings } from './settings.ts';

/** The AWS clients of one region. */
export interface RegionClients {
  readonly rds: RDSClient;
  readonly ssm: SSMClient;
}

/** One member of the global database and the endpoint its region's engines must use. */
export interface PublishedEndpoint {
  readonly region: string;
  readonly role: 'primary' | 'secondary';
  readonly endpoint: string;
  /** Whether the parameter held another value before. */
  readonly changed: boolean;
}

/** What the RDS event carries that the log names; any event only triggers a full pass. */
interface RdsEvent {
  readonly detail?: { readonly EventID?: string; readonly SourceIdentifier?: string };
}

/**
 * After a switchover or failover of the global database, writes each member region's endpoint
 * parameter: the writer (cluster) endpoint of the primary, the reader endpoint of a secondary (its
 * writer endpoint is inactive; reads and forwarded writes go through the reader endpoint). The roles
 * are read from RDS, never from the event, so a late or repeated event converges on the same values.
 * A region that cannot be reached (the failed one, in a failover) fails the invocation after the
 * others are written, and Lambda's asynchronous retries try it again.
 */
export function createEndpointHandler(
  settings: EndpointSettings,
  clientsOf: (region: string) => RegionClients,
): (event: RdsEvent) => Promise<PublishedEndpoint[]> {
  return async (event) => {
    const { GlobalClusters } = await clientsOf(settings.region).rds.send(
      new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: settings.globalClusterIdentifier }),
    );
    const members = GlobalClusters?.[0]?.GlobalClusterMembers ?? [];
    if (members.length === 0) throw new Error(`${settings.globalClusterIdentifier}: no members`);
    const outcomes = await Promise.allSettled(
      members.map(async ({ DBClusterArn, IsWriter }): Promise<PublishedEndpoint> => {
        const region = DBClusterArn?.split(':')[3];
        if (DBClusterArn === undefined || region === undefined) throw new Error('a member without an ARN');
        const { rds, ssm } = clientsOf(region);
        const { DBClusters } = await rds.send(
          new DescribeDBClustersCommand({ DBClusterIdentifier: DBClusterArn }),
        );
        const cluster = DBClusters?.[0];
        const endpoint = IsWriter === true ? cluster?.Endpoint : cluster?.ReaderEndpoint;
        if (endpoint === undefined) throw new Error(`${DBClusterArn}: no endpoint`);
        const name = settings.parameterName(region);
        const current = await ssm.send(new GetParameterCommand({ Name: name })).then(
          (answer) => answer.Parameter?.Value,
          () => undefined,
        );
        if (current !== endpoint) {
          await ssm.send(
            new PutParameterCommand({ Name: name, Value: endpoint, Type: 'String', Overwrite: true }),
          );
        }
        return {
          region,
          role: IsWriter === true ? 'primary' : 'secondary',
          endpoint,
          changed: current !== endpoint,
        };
      }),
    );
    const published = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String(outcome.reason)] : [],
    );
    console.log(
      JSON.stringify({
        event: event.detail?.EventID,
        source: event.detail?.SourceIdentifier,
        published,
        failed,
      }),
    );
    if (failed.length > 0) throw new Error(`endpoints not published: ${failed.join('; ')}`);
    return published;
  };
}
