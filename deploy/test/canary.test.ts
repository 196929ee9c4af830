import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIntoTemporaryDirectory,
  killLeftoverServers,
  type ServerProcess,
  startServerProcess,
  type TemporaryBuild,
} from '../../service/test/support/built.ts';
import { send } from '../../service/test/support/http.ts';
import { closedPort } from '../../service/test/support/tcp.ts';
import { runCanary } from './support/synthetics.ts';

// The canary script against the built service (dist/server.mjs, as every web engine runs it), with a
// stand-in for the Synthetics runtime's module.

const identity = {
  ENGINE: 'asg',
  COLOUR: 'blue',
  APP_VERSION: '2.0.0',
  AWS_REGION: 'us-east-1',
  WORKERS: '1',
};
/** PGlite creates its database in 4-7 s on an idle machine, several times that on a busy one. */
const READY_WITHIN_MS = 80_000;

const path = (engine: string) => [
  `${engine} GET /`,
  `${engine} POST /store`,
  `${engine} GET /store/{id}`,
  `${engine} GET /store?limit=100`,
];

let build: TemporaryBuild;
let healthy: ServerProcess;
let brokenStore: ServerProcess;

beforeAll(async () => {
  build = await buildIntoTemporaryDirectory();
  // No database configured: the embedded one (SVC-9), a real /store.
  healthy = await startServerProcess(build.server, await closedPort(), identity);
  // A database nobody answers on: `/` serves, `/store` answers 503 within its deadline.
  brokenStore = await startServerProcess(build.server, await closedPort(), {
    ...identity,
    DATABASE_URL: `postgres://app@127.0.0.1:${await closedPort()}/estate`,
  });
  const deadline = Date.now() + READY_WITHIN_MS;
  while ((await send(healthy.port, '/health/deep')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the embedded database never became ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([healthy?.stop(), brokenStore?.stop()]);
  killLeftoverServers();
  await build?.remove();
});

describe('the user-path canary script', () => {
  it("CICD-11: passes on a healthy service, walking / then /store and reading its record back on each of the region's engines", async () => {
    const base = `http://127.0.0.1:${healthy.port}/`;
    const run = await runCanary({ ENDPOINT_FLEET: base, ENDPOINT_ASG: base });
    expect(run.error).toBeUndefined();
    expect(run.steps).toEqual([...path('asg'), ...path('fleet')].map((name) => ({ name, status: 'passed' })));
    // What it stored is a record of its own, marked with the canary's name, readable by anyone.
    const { records } = JSON.parse((await send(healthy.port, '/store?limit=2')).body) as {
      records: { data: { canary: string; engine: string } }[];
    };
    expect(records.map((r) => r.data.engine)).toEqual(['fleet', 'asg']);
    expect(records[0]?.data.canary).toMatch(/^hello-user-path-us-east-1-\d+-\w+$/);
    expect(records[0]?.data.canary).not.toBe(records[1]?.data.canary);
  });

  it('CICD-11: fails at the step "POST /store" when the service answers / but its store is down (503)', async () => {
    const run = await runCanary({ ENDPOINT_ECS: `http://127.0.0.1:${brokenStore.port}/` });
    expect(run.error?.message).toMatch(/^step ecs POST \/store failed: expected 201, got 503: .*unavailable/);
    expect(run.steps).toEqual([
      { name: 'ecs GET /', status: 'passed' },
      { name: 'ecs POST /store', status: 'failed', error: expect.stringMatching(/^expected 201, got 503/) },
    ]);
  });

  it('CICD-11: fails at the step "GET /" when the engine is down', async () => {
    const run = await runCanary({ ENDPOINT_BEANSTALK: `http://127.0.0.1:${await closedPort()}/` });
    expect(run.error?.message).toMatch(/^step beanstalk GET \/ failed: .*ECONNREFUSED/);
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([['beanstalk GET /', 'failed']]);
  });

  it('CICD-11: fails when the service answers / with something other than the greeting', async () => {
    const faulty = await startServerProcess(build.server, await closedPort(), {
      ...identity,
      FAULT_MODE: 'root-500',
      DATABASE_URL: `postgres://app@127.0.0.1:${await closedPort()}/estate`,
    });
    try {
      const run = await runCanary({ ENDPOINT_SERVERLESS: `http://127.0.0.1:${faulty.port}/` });
      expect(run.error?.message).toMatch(/^step serverless GET \/ failed: expected 200, got 500/);
    } finally {
      await faulty.stop();
    }
  });

  it('CICD-11: refuses to pass with no endpoint to walk (a misconfigured canary is a failed one)', async () => {
    const run = await runCanary({});
    expect(run.error?.message).toBe('no ENDPOINT_<ENGINE> variable is set: nothing to walk');
    expect(run.steps).toEqual([]);
  });
});
