import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../service/src/app.ts';
import { startWebServer, type WebServer } from '../../service/src/web.ts';
import { MemoryStore } from '../../service/test/support/memory-store.ts';
import { smoke } from '../release/smoke.ts';
import { verifyWave } from '../release/verify-wave.ts';
import { freePort } from './support/service.ts';

// The real service over HTTP, as an engine serves it: released version 2.0.0-abc.
const RELEASED = '2.0.0-0123456789ab';
const fast = { attempts: 2, intervalMs: 10, timeoutMs: 2_000 };
let server: WebServer;
let endpoint: string;

beforeAll(async () => {
  const app = createApp({
    store: async () => new MemoryStore(),
    log: () => {},
    settings: {
      servedBy: { version: RELEASED, region: 'us-west-2', engine: 'ecs', colour: 'green', instance: 'task' },
      faultMode: undefined,
      failureRate: 0,
    },
  });
  server = await startWebServer(app, { port: 0, hostname: '127.0.0.1' });
  endpoint = `http://127.0.0.1:${server.port}/`;
});
afterAll(() => server.drain());

describe('the smoke check of a release wave', () => {
  it('CICD-10: passes when /health, / and /info answer and /info serves the released version', async () => {
    await expect(smoke(endpoint, { version: RELEASED, ...fast })).resolves.toBeUndefined();
  });

  it('CICD-10: fails, naming both versions, when the engine still serves the release before', async () => {
    await expect(smoke(endpoint, { version: '2.0.1-fedcba987654', ...fast })).rejects.toThrow(
      `GET /info serves version ${RELEASED}, not 2.0.1-fedcba987654 (after 2 tries)`,
    );
  });

  it('CICD-10: fails when the engine is down', async () => {
    const down = `http://127.0.0.1:${await freePort()}/`;
    await expect(smoke(down, { version: RELEASED, ...fast })).rejects.toThrow(/GET \/health: .*ECONNREFUSED/);
  });
});

describe('verifyWave', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    ssm.on(GetParameterCommand).callsFake(({ Name }: { Name: string }) => ({
      Parameter: { Value: Name.endsWith('/api-endpoint') ? endpoint : `127.0.0.1:${server.port}` },
    }));
  });
  const wave = (version: string) => ({
    targets: ['ecs@us-west-2', 'serverless@ap-southeast-2'],
    parameterPrefix: '/hello',
    version,
    imageTag: '0123456789ab',
    smoke: fast,
    ssm: () => new SSMClient({ region: 'us-east-1' }),
  });

  it("ECS-1, CICD-10: reads each engine's endpoint from its region's parameters, then records the ECS tag as released", async () => {
    await expect(verifyWave(wave(RELEASED))).resolves.toEqual([
      '/hello/us-west-2/ecs/released-image=0123456789ab',
    ]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual([
      '/hello/us-west-2/ecs/load-balancer-dns',
      '/hello/ap-southeast-2/serverless/api-endpoint',
    ]);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/hello/us-west-2/ecs/released-image', Value: '0123456789ab', Type: 'String', Overwrite: true },
    ]);
  });

  it('ECS-1, CICD-10: records nothing when an engine does not serve the version, and names each one', async () => {
    const failing = verifyWave(wave('9.9.9-000000000000'));
    await expect(failing).rejects.toThrow(/ecs@us-west-2: .*serves version 2\.0\.0-0123456789ab/);
    await expect(failing).rejects.toThrow(/serverless@ap-southeast-2: /);
    expect(ssm.commandCalls(PutParameterCommand)).toEqual([]);
  });
});
