// Row group 9: the pipeline's CodeConnections source (CICD-2) is accepted. The connection is a global
// resource listed from any region, whatever its ARN's prefix (codeconnections for new ones,
// codestar-connections for older ones): the API answers for both.
import {
  type Connection,
  GetConnectionCommand,
  type ProviderType,
  paginateListConnections,
} from '@aws-sdk/client-codestar-connections';
import type { EstateConfig } from '../../infra/config/index.ts';
import { sourceConnectionName } from '../../infra/lib/constructs/delivery/pipeline-source.ts';
import type { PreflightClients } from './clients.ts';
import { errorName, probe, type Row, row } from './report.ts';

const CHECK = 'source connection';

type ConnectionSource = Extract<EstateConfig['source'], { kind: 'CodeConnections' }>;

/** The console step that accepts a PENDING connection, the only console step of a release. */
export function acceptStep(name: string, region: string, source: ConnectionSource): string {
  const provider = source.provider ?? 'GitHub';
  return `in the console (${region}): Developer Tools → Settings → Connections → ${name} → Update pending connection → install or choose the ${provider} app with access to ${source.owner}/${source.repository} → Connect`;
}

async function byArn(
  clients: PreflightClients,
  region: string,
  arn: string,
): Promise<Connection | undefined> {
  try {
    const { Connection } = await clients
      .codeConnections('primary', region)
      .send(new GetConnectionCommand({ ConnectionArn: arn }));
    return Connection;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function byName(
  clients: PreflightClients,
  region: string,
  name: string,
  provider: ProviderType,
): Promise<Connection | undefined> {
  const pages = paginateListConnections(
    { client: clients.codeConnections('primary', region) },
    { ProviderTypeFilter: provider },
  );
  for await (const page of pages) {
    const found = page.Connections?.find((c) => c.ConnectionName === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * None of these states fails a deploy: CloudFormation creates the pipeline with a PENDING connection. They
 * stop the first release instead (its source action cannot fetch), so a connection not yet accepted, in
 * ERROR, or not yet created by the pipeline stack is a warning; only a connection the config names by ARN
 * and that does not exist is a blocker, since the config itself is wrong and the pipeline would be
 * deployed pointing at nothing.
 */
export async function checkConnection(config: EstateConfig, clients: PreflightClients): Promise<Row[]> {
  const { source, homeRegion } = config;
  if (source.kind !== 'CodeConnections') return [];
  const scope = `primary ${homeRegion}`;
  const configured = source.connectionArn;
  const name = sourceConnectionName(config);
  return probe(
    {
      check: CHECK,
      scope,
      permissions: ['codestar-connections:GetConnection', 'codestar-connections:ListConnections'],
    },
    async () => {
      const connection =
        configured === undefined
          ? await byName(clients, homeRegion, name, source.provider ?? 'GitHub')
          : await byArn(clients, homeRegion, configured);
      if (connection === undefined) {
        return configured === undefined
          ? [
              row(
                CHECK,
                scope,
                'warn',
                `no connection ${name} yet: the pipeline stack creates it PENDING; no release can start until it is accepted`,
                `after deploying the pipeline stack, ${acceptStep(name, homeRegion, source)}`,
              ),
            ]
          : [
              row(
                CHECK,
                scope,
                'BLOCKER',
                `source.connectionArn ${configured} does not exist in this account`,
                'set source.connectionArn to a connection of the primary account (aws codeconnections list-connections), or remove it so the pipeline stack creates one',
              ),
            ];
      }
      const shown = connection.ConnectionName ?? name;
      const detail = `${shown} (${connection.ProviderType ?? source.provider ?? 'GitHub'}) is ${connection.ConnectionStatus}`;
      switch (connection.ConnectionStatus) {
        case 'AVAILABLE':
          return [row(CHECK, scope, 'ok', detail)];
        case 'PENDING':
          return [
            row(
              CHECK,
              scope,
              'warn',
              `${detail}: the deploy succeeds, but no release can start until it is accepted`,
              acceptStep(shown, homeRegion, source),
            ),
          ];
        default:
          return [
            row(
              CHECK,
              scope,
              'warn',
              `${detail}: the deploy succeeds, but no release can fetch the source`,
              `reinstall the ${source.provider ?? 'GitHub'} app with access to ${source.owner}/${source.repository} at the provider, then open ${shown} in the console (${homeRegion}): Developer Tools → Settings → Connections, and update it`,
            ),
          ];
      }
    },
  );
}
