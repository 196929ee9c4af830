import {
  type Connection,
  GetConnectionCommand,
  ListConnectionsCommand,
} from '@aws-sdk/client-codestar-connections';
import { describe, expect, it } from 'vitest';
import { checkConnection } from '../../preflight/connection.ts';
import { awsError, fakeAws, PRIMARY, testConfig } from './support.ts';

const SOURCE = {
  kind: 'CodeConnections',
  provider: 'GitLab',
  owner: 'acme',
  repository: 'hello-devops',
  branch: 'main',
};
const config = testConfig({ source: SOURCE });
const CREATED = 'Hello-source';
const arn = (prefix: string, id: string) => `arn:aws:${prefix}:us-east-1:${PRIMARY}:connection/${id}`;
const connection = (name: string, status: Connection['ConnectionStatus']): Connection => ({
  ConnectionName: name,
  ConnectionArn: arn('codeconnections', name),
  ProviderType: 'GitLab',
  OwnerAccountId: PRIMARY,
  ConnectionStatus: status,
});

/** ListConnections answers two pages; the created connection, when given, is on the second. */
function listing(created?: Connection) {
  const aws = fakeAws();
  const stub = aws.stub('codeConnections', 'primary', 'us-east-1');
  stub
    .on(ListConnectionsCommand, { ProviderTypeFilter: 'GitLab', NextToken: undefined })
    .resolves({ Connections: [connection('other-source', 'AVAILABLE')], NextToken: 'page-2' });
  stub
    .on(ListConnectionsCommand, { ProviderTypeFilter: 'GitLab', NextToken: 'page-2' })
    .resolves({ Connections: created === undefined ? [] : [created] });
  return aws;
}

describe('preflight: the pipeline source connection', () => {
  it('CICD-2: no row for a CodeCommit or S3 source', async () => {
    expect(await checkConnection(testConfig(), fakeAws().clients)).toEqual([]);
  });

  it('CICD-2: the connection the pipeline stack created, found by name on a later page, AVAILABLE is ok', async () => {
    const rows = await checkConnection(config, listing(connection(CREATED, 'AVAILABLE')).clients);
    expect(rows).toEqual([
      {
        check: 'source connection',
        scope: 'primary us-east-1',
        status: 'ok',
        detail: 'Hello-source (GitLab) is AVAILABLE',
        fix: '',
      },
    ]);
  });

  it('CICD-2: PENDING is a warning whose fix is the exact console step that accepts it', async () => {
    const [found] = await checkConnection(config, listing(connection(CREATED, 'PENDING')).clients);
    expect(found?.status).toBe('warn');
    expect(found?.detail).toBe(
      'Hello-source (GitLab) is PENDING: the deploy succeeds, but no release can start until it is accepted',
    );
    expect(found?.fix).toBe(
      'in the console (us-east-1): Developer Tools → Settings → Connections → Hello-source → Update pending connection → install or choose the GitLab app with access to acme/hello-devops → Connect',
    );
  });

  it('CICD-2: ERROR is a warning (it stops the first release, not the deploy) naming the app to reinstall', async () => {
    const [found] = await checkConnection(config, listing(connection(CREATED, 'ERROR')).clients);
    expect(found?.status).toBe('warn');
    expect(found?.detail).toBe(
      'Hello-source (GitLab) is ERROR: the deploy succeeds, but no release can fetch the source',
    );
    expect(found?.fix).toMatch(/^reinstall the GitLab app with access to acme\/hello-devops/);
  });

  it('CICD-2: before the first deploy the created connection is absent: a warning to accept it after the deploy', async () => {
    const [found] = await checkConnection(config, listing().clients);
    expect(found?.status).toBe('warn');
    expect(found?.detail).toMatch(/^no connection Hello-source yet: the pipeline stack creates it PENDING/);
    expect(found?.fix).toMatch(
      /^after deploying the pipeline stack, in the console \(us-east-1\): Developer Tools/,
    );
  });

  it('CICD-2: a configured connection is read by its ARN, the codeconnections and the older codestar-connections prefix alike', async () => {
    for (const prefix of ['codeconnections', 'codestar-connections']) {
      const configured = arn(prefix, 'abc');
      const aws = fakeAws();
      aws
        .stub('codeConnections', 'primary')
        .on(GetConnectionCommand, { ConnectionArn: configured })
        .resolves({ Connection: { ...connection('team-source', 'AVAILABLE'), ConnectionArn: configured } });
      const rows = await checkConnection(
        testConfig({ source: { ...SOURCE, connectionArn: configured } }),
        aws.clients,
      );
      expect(rows.map((r) => `${r.status} ${r.detail}`)).toEqual(['ok team-source (GitLab) is AVAILABLE']);
    }
  });

  it('CICD-2: a configured connection ARN that does not exist is a blocker: the config is wrong', async () => {
    const configured = arn('codeconnections', 'gone');
    const aws = fakeAws();
    aws
      .stub('codeConnections', 'primary')
      .on(GetConnectionCommand)
      .rejects(awsError('ResourceNotFoundException', `Connection ${configured} not found`));
    const [found] = await checkConnection(
      testConfig({ source: { ...SOURCE, connectionArn: configured } }),
      aws.clients,
    );
    expect(found?.status).toBe('BLOCKER');
    expect(found?.detail).toBe(`source.connectionArn ${configured} does not exist in this account`);
  });

  it('CICD-2: a refused read is a warning naming the action to allow', async () => {
    const aws = fakeAws();
    aws
      .stub('codeConnections', 'primary')
      .on(ListConnectionsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User is not authorized to perform: codestar-connections:ListConnections',
        ),
      );
    const [found] = await checkConnection(config, aws.clients);
    expect(found).toMatchObject({
      status: 'warn',
      detail: 'not checked: codestar-connections:ListConnections was refused',
    });
  });
});
