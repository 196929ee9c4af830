import * as http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../service/src/app.ts';
import type { Settings } from '../../../service/src/settings.ts';
import { startWebServer, type WebServer } from '../../../service/src/web.ts';
import {
  ANSWER_RESERVE_MS,
  createEcsTestTrafficEvaluation,
  createEcsTestTrafficHook,
  type HookVerdict,
} from '../../functions/ecs-test-traffic-hook/hook.ts';
import { type HookSettings, readHookSettings } from '../../functions/ecs-test-traffic-hook/settings.ts';

// The events below are the examples of the Amazon ECS Developer Guide, "Lambda hooks for Amazon ECS
// service deployments" (lifecycle stage payloads): green 9313423515462893900 is being deployed, blue
// 1920498462936580504 is in production.
const GREEN = 'arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/9313423515462893900';
const BLUE = 'arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/1920498462936580504';
const postTestTrafficShift = {
  executionId: '3a0345ba-b029-404b-890d-7da2a4b266aa',
  lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
  resourceArn:
    'arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28',
  executionDetails: {
    serviceArn: 'arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service',
    targetServiceRevisionArn: GREEN,
    testTrafficWeights: {},
    productionTrafficWeights: {},
  },
};
/** The guide's example of a later invocation, carrying hookDetails next to executionDetails. */
const withHookDetails = {
  ...postTestTrafficShift,
  executionId: 'e8d5a28f-eb01-4f3c-9454-a30ba6dc54bc',
  hookDetails: { approvalChecked: true, S3_BUCKET_NAME: 'my-approval-bucket' },
};
const testTrafficShift = {
  ...postTestTrafficShift,
  executionId: '779085de-ab47-42bc-84ad-41f9914a8643',
  lifecycleStage: 'TEST_TRAFFIC_SHIFT',
  executionDetails: {
    ...postTestTrafficShift.executionDetails,
    testTrafficWeights: { [GREEN]: 100, [BLUE]: 0 },
    productionTrafficWeights: {},
  },
};

interface Copy {
  readonly url: string;
  readonly server: WebServer;
  /** Requests this copy answered. */
  readonly seen: string[];
}

const copies: Copy[] = [];
/** A real copy of the service, as one task of a revision would run it, on a port of its own. */
async function startCopy(
  servedBy: Partial<Settings['servedBy']> = {},
  faultMode: Settings['faultMode'] = undefined,
): Promise<Copy> {
  const seen: string[] = [];
  const app = createApp({
    settings: {
      servedBy: {
        version: '1.1.0',
        region: 'us-west-2',
        engine: 'ecs',
        colour: 'green',
        instance: 'task-green',
        ...servedBy,
      },
      faultMode,
      failureRate: 0,
    },
    store: async () => {
      throw new Error('the test-traffic checks must not need the database');
    },
    log: (line) => {
      const entry = JSON.parse(line) as { path?: string };
      if (entry.path !== undefined) seen.push(entry.path);
    },
  });
  const server = await startWebServer(app, { port: 0, hostname: '127.0.0.1' });
  const copy = { url: `http://127.0.0.1:${server.port}`, server, seen };
  copies.push(copy);
  return copy;
}

const fronts: http.Server[] = [];
/** A load balancer listener in front of `targets`, round robin, per request, as an ALB routes. */
async function roundRobin(targets: readonly Copy[]): Promise<string> {
  let next = 0;
  const front = http.createServer((request, response) => {
    const target = new URL(targets[next++ % targets.length]?.url ?? '');
    const upstream = http.get(
      { host: target.hostname, port: target.port, path: request.url, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.once('error', () => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });
  });
  return listen(front);
}

async function listen(server: http.Server): Promise<string> {
  fronts.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

afterAll(async () => {
  for (const front of fronts) front.closeAllConnections();
  await Promise.all(fronts.map((front) => new Promise((closed) => front.close(closed))));
  await Promise.all(copies.map((copy) => copy.server.drain()));
});

let lines: Record<string, unknown>[] = [];
beforeEach(() => {
  lines = [];
});

const settingsFor = (testEndpoint: string, more: Partial<HookSettings> = {}): HookSettings => ({
  testEndpoint,
  expectedEngine: 'ecs',
  requestsPerRoute: 3,
  requestTimeoutMs: 2_000,
  ...more,
});
const evaluation = (settings: HookSettings | (() => HookSettings)) =>
  createEcsTestTrafficEvaluation(settings, { log: (line) => lines.push(JSON.parse(line)) });
const hook = (settings: HookSettings | (() => HookSettings)) =>
  createEcsTestTrafficHook(settings, { log: (line) => lines.push(JSON.parse(line)) });
const reasons = (verdict: HookVerdict) => verdict.checks.flatMap((check) => check.reason ?? []);

describe('the ECS test-traffic hook (POST_TEST_TRAFFIC_SHIFT) against real copies of the service', () => {
  let green: Copy;
  beforeAll(async () => {
    green = await startCopy();
  });

  it('ECS-3: a healthy new revision behind the test listener is answered SUCCEEDED, and nothing more', async () => {
    const answer = await hook(settingsFor(green.url))(postTestTrafficShift);
    expect(answer).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  it('ECS-3: every route is requested REQUESTS_PER_ROUTE times, each check passing on its own', async () => {
    green.seen.length = 0;
    const verdict = await evaluation(settingsFor(green.url, { requestsPerRoute: 4 }))(postTestTrafficShift);
    expect(verdict.hookStatus).toBe('SUCCEEDED');
    expect(green.seen.sort()).toEqual([
      ...Array(4).fill('/'),
      ...Array(4).fill('/health'),
      ...Array(4).fill('/info'),
    ]);
    expect(verdict.checks.map(({ check, passed, requests }) => ({ check, passed, requests }))).toEqual([
      { check: 'GET /', passed: true, requests: 4 },
      { check: 'GET /health', passed: true, requests: 4 },
      { check: 'GET /info', passed: true, requests: 4 },
      { check: 'one revision', passed: true, requests: 12 },
    ]);
    expect(verdict.checks.at(-1)?.versions).toEqual({ '1.1.0': 12 });
  });

  it('ECS-3: an event with hookDetails and fields the hook does not know is read all the same', async () => {
    const answer = await hook(settingsFor(green.url))({ ...withHookDetails, somethingNew: { x: 1 } });
    expect(answer).toEqual({ hookStatus: 'SUCCEEDED' });
  });

  it('ECS-3: a revision with FAULT_MODE=root-500 is answered FAILED, the reason naming /', async () => {
    const faulty = await startCopy({}, 'root-500');
    const verdict = await evaluation(settingsFor(faulty.url))(postTestTrafficShift);
    expect(verdict.hookStatus).toBe('FAILED');
    expect(reasons(verdict)).toEqual([
      expect.stringMatching(
        /^GET \/: 3 of 3 requests failed: expected status 200, got 500 .*fault_injected.*\(×3\)$/,
      ),
    ]);
    expect(verdict.checks.filter((check) => check.passed).map((check) => check.check)).toEqual([
      'GET /health',
      'GET /info',
      'one revision',
    ]);
  });

  it('ECS-3: a revision reporting another engine (asg) is answered FAILED', async () => {
    const asg = await startCopy({ engine: 'asg' });
    const verdict = await evaluation(settingsFor(asg.url))(postTestTrafficShift);
    expect(verdict.hookStatus).toBe('FAILED');
    expect(reasons(verdict)).toEqual([
      'GET /info: 3 of 3 requests failed: expected engine "ecs", got "asg" (×3)',
    ]);
  });

  it('ECS-3: EXPECTED_ENGINE decides what /info must say', async () => {
    const arm = await startCopy({ engine: 'ecs-arm' });
    const verdict = await evaluation(settingsFor(arm.url, { expectedEngine: 'ecs-arm' }))(
      postTestTrafficShift,
    );
    expect(verdict.hookStatus).toBe('SUCCEEDED');
  });

  it('ECS-3: an old task still draining behind the test listener (two versions answering) is answered FAILED, naming both', async () => {
    const blue = await startCopy({ version: '1.0.0', colour: 'blue', instance: 'task-blue' });
    const listener = await roundRobin([green, blue]);
    const verdict = await evaluation(settingsFor(listener))(postTestTrafficShift);
    expect(verdict.hookStatus).toBe('FAILED');
    // Each route alone is the contract: only the versions across answers give the old task away.
    expect(reasons(verdict)).toEqual([
      expect.stringMatching(
        /^one revision: answers came from 2 versions \("1\.0\.0" ×\d, "1\.1\.0" ×\d\): a task of another revision still takes test traffic$/,
      ),
    ]);
    const versions = verdict.checks.at(-1)?.versions ?? {};
    expect(Object.keys(versions).sort()).toEqual(['1.0.0', '1.1.0']);
    expect((versions['1.0.0'] ?? 0) + (versions['1.1.0'] ?? 0)).toBe(9);
  });

  it('ECS-3: a listener answering errors for a target that is gone is answered FAILED on every route', async () => {
    const gone = `http://127.0.0.1:${await closedPort()}`;
    const listener = await roundRobin([{ url: gone, server: green.server, seen: [] }]);
    const verdict = await evaluation(settingsFor(listener))(postTestTrafficShift);
    expect(verdict.hookStatus).toBe('FAILED');
    expect(reasons(verdict)).toEqual([
      expect.stringMatching(/^GET \/: 3 of 3 requests failed: expected status 200, got 502/),
      expect.stringMatching(/^GET \/health: 3 of 3 requests failed: expected status 200, got 502/),
      expect.stringMatching(/^GET \/info: 3 of 3 requests failed: expected status 200, got 502/),
      'one revision: no answer named the version that served it',
    ]);
  });

  it('ECS-3: a closed port is answered FAILED, not thrown, naming the refused connection', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const answer = await hook(settingsFor(closed))(postTestTrafficShift);
    expect(answer).toEqual({ hookStatus: 'FAILED' });
    const verdict = lines.at(-1) as { reasons: string[] };
    expect(verdict.reasons[0]).toMatch(
      /^GET \/: 3 of 3 requests failed: the request failed \(TypeError: fetch failed \(ECONNREFUSED: .*\)\) \(×3\)$/,
    );
  });

  it('ECS-3: a listener that accepts but never answers is answered FAILED once each request times out', async () => {
    const silent = http.createServer(() => {});
    const url = await listen(silent);
    const started = Date.now();
    const verdict = await evaluation(settingsFor(url, { requestTimeoutMs: 200 }))(postTestTrafficShift);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(verdict.hookStatus).toBe('FAILED');
    expect(reasons(verdict)[0]).toBe('GET /: 3 of 3 requests failed: no answer within 200 ms (×3)');
  });

  it('ECS-3: answers FAILED before the function itself would time out', async () => {
    const silent = http.createServer(() => {});
    const url = await listen(silent);
    const started = Date.now();
    const verdict = await evaluation(settingsFor(url, { requestTimeoutMs: 20_000 }))(postTestTrafficShift, {
      getRemainingTimeInMillis: () => ANSWER_RESERVE_MS + 100,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(verdict.hookStatus).toBe('FAILED');
    expect(reasons(verdict)[0]).toBe(
      'GET /: 3 of 3 requests failed: Error: no answer within 100 ms, the time left to check and answer (×3)',
    );
  });

  it.each([
    ['TEST_TRAFFIC_SHIFT', testTrafficShift],
    ['PRODUCTION_TRAFFIC_SHIFT', { ...postTestTrafficShift, lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }],
    ['a stage ECS may add later', { ...postTestTrafficShift, lifecycleStage: 'SOME_FUTURE_STAGE' }],
  ])('ECS-3: %s is not checked: SUCCEEDED without a request, and a log line saying so', async (_, event) => {
    const faulty = await startCopy({}, 'root-500');
    const answer = await hook(settingsFor(faulty.url))(event);
    expect(answer).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(faulty.seen).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: expect.stringMatching(/not checked, only POST_TEST_TRAFFIC_SHIFT is$/),
        lifecycleStage: event.lifecycleStage,
        hookStatus: 'SUCCEEDED',
        checked: false,
      }),
    ]);
  });

  // FAILED rather than a throw: ECS rolls back on either, but an answer leaves the reason in the log where
  // a throw leaves a function error, and there is no report to lose (the answer is the report).
  it.each([
    ['an empty event', {}],
    ['null', null],
    ['a CodeDeploy hook event', { DeploymentId: 'd-8JZTQ3V2B', LifecycleEventHookExecutionId: 'x' }],
    ['no executionDetails', { ...postTestTrafficShift, executionDetails: undefined }],
    [
      'no target revision',
      {
        ...postTestTrafficShift,
        executionDetails: { serviceArn: postTestTrafficShift.executionDetails.serviceArn },
      },
    ],
    ['an empty executionId', { ...postTestTrafficShift, executionId: '' }],
    [
      'weights that are not numbers',
      {
        ...postTestTrafficShift,
        executionDetails: {
          ...postTestTrafficShift.executionDetails,
          testTrafficWeights: { [GREEN]: '100' },
        },
      },
    ],
  ])('ECS-3: a malformed event (%s) is answered FAILED without a request', async (_, event) => {
    green.seen.length = 0;
    const answer = await hook(settingsFor(green.url))(event);
    expect(answer).toEqual({ hookStatus: 'FAILED' });
    expect(green.seen).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'test-traffic verdict',
        hookStatus: 'FAILED',
        error: expect.stringMatching(/^not an ECS lifecycle hook event/),
      }),
    ]);
  });

  it('ECS-3: settings that do not validate are answered FAILED, naming the variable, without a request', async () => {
    green.seen.length = 0;
    const verdict = await evaluation(() => readHookSettings({ TEST_ENDPOINT: 'hello-ecs:8080' }))(
      postTestTrafficShift,
    );
    expect(verdict.hookStatus).toBe('FAILED');
    expect(verdict.error).toMatch(/invalid environment[\s\S]*TEST_ENDPOINT/);
    expect(green.seen).toEqual([]);
  });

  it('ECS-3: logs one JSON line per check and one for the verdict', async () => {
    const faulty = await startCopy({}, 'root-500');
    await hook(settingsFor(faulty.url))(postTestTrafficShift);
    const about = {
      executionId: postTestTrafficShift.executionId,
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      targetServiceRevisionArn: GREEN,
      endpoint: faulty.url,
    };
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'test-traffic check',
        check: 'GET /',
        passed: false,
        ...about,
      }),
      expect.objectContaining({
        level: 'INFO',
        message: 'test-traffic check',
        check: 'GET /health',
        ...about,
      }),
      expect.objectContaining({ level: 'INFO', message: 'test-traffic check', check: 'GET /info', ...about }),
      expect.objectContaining({
        level: 'INFO',
        message: 'test-traffic check',
        check: 'one revision',
        ...about,
      }),
      expect.objectContaining({
        level: 'ERROR',
        message: 'test-traffic verdict',
        ...about,
        hookStatus: 'FAILED',
        passed: 3,
        failed: 1,
        reasons: [expect.stringMatching(/^GET \/: /)],
      }),
    ]);
  });
});

describe('a test listener that answers only requests carrying its header', () => {
  /** The stack's test rule: a header condition, else the listener's 404. */
  async function gated(copy: Copy, name: string, value: string): Promise<string> {
    const front = http.createServer((request, response) => {
      if (request.headers[name] !== value) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('no route');
        return;
      }
      const target = new URL(copy.url);
      http.get({ host: target.hostname, port: target.port, path: request.url, agent: false }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
    });
    return listen(front);
  }

  it('ECS-3: TEST_HEADER is sent with every request; without it the rule answers 404 and the hook fails', async () => {
    const copy = await startCopy();
    const endpoint = await gated(copy, 'x-hello-test-traffic', 'token-123');
    const withHeader = readHookSettings({
      TEST_ENDPOINT: endpoint,
      TEST_HEADER: 'X-Hello-Test-Traffic: token-123',
    });
    expect(withHeader.testHeader).toEqual({ name: 'x-hello-test-traffic', value: 'token-123' });
    expect(await hook(withHeader)(postTestTrafficShift)).toEqual({ hookStatus: 'SUCCEEDED' });
    const without = readHookSettings({ TEST_ENDPOINT: endpoint });
    expect(await hook(without)(postTestTrafficShift)).toEqual({ hookStatus: 'FAILED' });
  });

  it('ECS-3: refuses a TEST_HEADER that is not one "name: value" header', () => {
    for (const header of ['x-hello-test-traffic token', 'x hello: 1', 'x-hello-test-traffic: ']) {
      expect(() => readHookSettings({ TEST_ENDPOINT: 'http://lb:8080', TEST_HEADER: header })).toThrow(
        /TEST_HEADER|must be one header/,
      );
    }
  });
});

describe('the ECS test-traffic hook settings', () => {
  it('ECS-3: reads the test listener, expecting engine ecs and three requests per route by default', () => {
    expect(
      readHookSettings({ TEST_ENDPOINT: 'http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080' }),
    ).toEqual({
      testEndpoint: 'http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080',
      expectedEngine: 'ecs',
      requestsPerRoute: 3,
      requestTimeoutMs: 5_000,
    });
    expect(
      readHookSettings({
        TEST_ENDPOINT: 'https://test.hello.example/',
        EXPECTED_ENGINE: 'ecs-arm',
        REQUESTS_PER_ROUTE: '5',
        REQUEST_TIMEOUT_MS: '',
      }),
    ).toEqual({
      testEndpoint: 'https://test.hello.example',
      expectedEngine: 'ecs-arm',
      requestsPerRoute: 5,
      requestTimeoutMs: 5_000,
    });
  });

  it.each([
    ['a host without a scheme', 'hello-ecs-123.us-west-2.elb.amazonaws.com:8080'],
    ['another scheme', 'ftp://hello-ecs-123.us-west-2.elb.amazonaws.com'],
    ['a path', 'http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080/health'],
    ['a query', 'http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080?x=1'],
    ['credentials', 'http://user:secret@hello-ecs-123.us-west-2.elb.amazonaws.com:8080'],
  ])('ECS-3: refuses %s as TEST_ENDPOINT', (_, endpoint) => {
    expect(() => readHookSettings({ TEST_ENDPOINT: endpoint })).toThrow(
      /must be the http\(s\) URL of the load balancer test listener[\s\S]*→ at TEST_ENDPOINT/,
    );
  });

  it('ECS-3: names every missing or malformed variable at once', () => {
    expect(() =>
      readHookSettings({
        EXPECTED_ENGINE: 'not an engine!',
        REQUESTS_PER_ROUTE: '0',
        REQUEST_TIMEOUT_MS: 'soon',
      }),
    ).toThrow(
      /ecs-test-traffic-hook: invalid environment[\s\S]*TEST_ENDPOINT[\s\S]*EXPECTED_ENGINE[\s\S]*REQUESTS_PER_ROUTE[\s\S]*REQUEST_TIMEOUT_MS/,
    );
    expect(() => readHookSettings({ TEST_ENDPOINT: 'http://x:8080', REQUESTS_PER_ROUTE: '21' })).toThrow(
      /must be an integer between 1 and 20[\s\S]*→ at REQUESTS_PER_ROUTE/,
    );
  });
});
