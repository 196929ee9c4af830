import {
  CodeDeployClient,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp, withDefaults } from '../../../service/src/app.ts';
import { createLambdaHandler, type HttpLambdaHandler } from '../../../service/src/lambda.ts';
import { loadSettings } from '../../../service/src/settings.ts';
import {
  createPreTrafficHook,
  type HookVerdict,
  REPORT_RESERVE_MS,
} from '../../functions/pre-traffic-hook/hook.ts';
import { type HookSettings, readHookSettings } from '../../functions/pre-traffic-hook/settings.ts';

const TARGET = 'arn:aws:lambda:ap-southeast-2:111111111111:function:hello-service:7';
const settings: HookSettings = {
  targetFunctionArn: TARGET,
  targetRegion: 'ap-southeast-2',
  targetAccount: '111111111111',
  targetVersion: '7',
  expectedEngine: 'lambda',
};
const NOW = new Date('2026-11-27T12:00:00Z');

/** What CodeDeploy passes to a BeforeAllowTraffic hook. */
const hookEvent = {
  DeploymentId: 'd-8JZTQ3V2B',
  LifecycleEventHookExecutionId:
    'eyJlbmNyeXB0ZWREYXRhIjoiY2FmZSIsIml2UGFyYW1ldGVyU3BlYyI6IjEyMyIsIm1hdGVyaWFsU2V0U2VyaWFsIjoxfQ==',
};

/**
 * The service's own Lambda handler, wired as service/src/lambda.ts wires it (fast path in front of the
 * route table) from the environment the function of that version would have. No route checked needs
 * the database, so the store refuses to open.
 */
function serviceVersion(environment: NodeJS.ProcessEnv = {}, fastPath = true): HttpLambdaHandler {
  const service = loadSettings(
    { AWS_REGION: 'ap-southeast-2', APP_VERSION: '7', COLOUR: 'green', ...environment },
    { engine: 'lambda' },
  );
  const deps = withDefaults({
    settings: service,
    store: async () => {
      throw new Error('the smoke checks must not need the database');
    },
    log: () => {},
  });
  return createLambdaHandler(createApp(deps), fastPath ? deps : undefined);
}

const lambda = mockClient(LambdaClient);
const codedeploy = mockClient(CodeDeployClient);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

let sentEvents: APIGatewayProxyEventV2[] = [];
let lines: Record<string, unknown>[] = [];

/**
 * Lambda's Invoke, running `version` on the payload it is given: its result comes back as the payload,
 * and a throw as the runtime reports it (FunctionError plus the error document).
 */
function deployed(version: HttpLambdaHandler, executedVersion = '7'): void {
  lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload)) as APIGatewayProxyEventV2;
    sentEvents.push(event);
    try {
      return { StatusCode: 200, ExecutedVersion: executedVersion, Payload: encode(await version(event)) };
    } catch (error) {
      const { name, message } = error as Error;
      return {
        StatusCode: 200,
        ExecutedVersion: executedVersion,
        FunctionError: 'Unhandled',
        Payload: encode({ errorType: name, errorMessage: message, trace: [] }),
      };
    }
  });
}

/**
 * Invoke answering `output` whatever it is asked. The SDK types the payload as its blob adapter, a
 * Uint8Array with helpers the hook does not use; a plain Uint8Array proves it reads no more than that.
 */
function answers(output: {
  StatusCode: number;
  ExecutedVersion: string;
  FunctionError?: string;
  Payload: Uint8Array;
}) {
  lambda.on(InvokeCommand).callsFake(async () => output);
}

const hook = (given: HookSettings | (() => HookSettings) = settings) =>
  createPreTrafficHook(given, {
    lambda: new LambdaClient({}),
    codedeploy: new CodeDeployClient({}),
    log: (line) => lines.push(JSON.parse(line)),
    now: () => NOW,
  });
const reports = () =>
  codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((call) => call.args[0].input);
const reasons = (verdict: HookVerdict) => verdict.checks.flatMap((check) => check.reason ?? []);

describe('the pre-traffic hook (serverless engine, BeforeAllowTraffic)', () => {
  beforeEach(() => {
    lambda.reset();
    codedeploy.reset();
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .resolves({ lifecycleEventHookExecutionId: 'x' });
    sentEvents = [];
    lines = [];
  });

  it('FN-2: a healthy version is reported Succeeded, once, for this deployment and hook execution', async () => {
    deployed(serviceVersion());
    const verdict = await hook()(hookEvent);
    expect(reports()).toEqual([
      {
        deploymentId: hookEvent.DeploymentId,
        lifecycleEventHookExecutionId: hookEvent.LifecycleEventHookExecutionId,
        status: 'Succeeded',
      },
    ]);
    expect(verdict.status).toBe('Succeeded');
    expect(verdict.checks.map(({ route, passed, statusCode }) => ({ route, passed, statusCode }))).toEqual([
      { route: 'GET /', passed: true, statusCode: 200 },
      { route: 'GET /health', passed: true, statusCode: 200 },
      { route: 'GET /info', passed: true, statusCode: 200 },
    ]);
  });

  it('FN-2: every check invokes the new version itself (its qualified ARN), synchronously', async () => {
    deployed(serviceVersion());
    await hook()(hookEvent);
    const invocations = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(invocations).toHaveLength(3);
    for (const invocation of invocations) {
      expect(invocation).toMatchObject({ FunctionName: TARGET, InvocationType: 'RequestResponse' });
    }
  });

  it('FN-2: the events are HTTP API payload format 2.0 requests, as the API would pass them', async () => {
    deployed(serviceVersion());
    await hook()(hookEvent);
    expect(sentEvents.map((event) => event.rawPath).sort()).toEqual(['/', '/health', '/info']);
    for (const event of sentEvents) {
      const domainName = 'pretraffic.execute-api.ap-southeast-2.amazonaws.com';
      expect(event).toMatchObject({
        version: '2.0',
        routeKey: '$default',
        rawQueryString: '',
        isBase64Encoded: false,
        headers: { host: domainName, 'x-forwarded-proto': 'https' },
        requestContext: {
          accountId: '111111111111',
          domainName,
          routeKey: '$default',
          stage: '$default',
          http: { method: 'GET', path: event.rawPath, protocol: 'HTTP/1.1' },
          time: '27/Nov/2026:12:00:00 +0000',
          timeEpoch: NOW.getTime(),
        },
      });
      expect(event.requestContext.requestId).toMatch(/^[A-Za-z0-9+/]{14}[A-Za-z0-9+/=]{2}$/);
      expect(event).not.toHaveProperty('body');
    }
    expect(new Set(sentEvents.map((event) => event.requestContext.requestId)).size).toBe(3);
  });

  it("FN-2: the same events pass through Hono's own adapter too (the service without its fast path)", async () => {
    deployed(serviceVersion({}, false));
    expect((await hook()(hookEvent)).status).toBe('Succeeded');
    expect(reports()[0]?.status).toBe('Succeeded');
  });

  it('FN-2: the real service with FAULT_MODE=root-500 is reported Failed, the reason naming /', async () => {
    deployed(serviceVersion({ FAULT_MODE: 'root-500' }));
    const verdict = await hook()(hookEvent);
    expect(reports()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(reasons(verdict)).toEqual([
      expect.stringMatching(/^GET \/: expected status 200, got 500 .*fault_injected/),
    ]);
    expect(verdict.checks.filter((check) => check.passed).map((check) => check.route)).toEqual([
      'GET /health',
      'GET /info',
    ]);
  });

  it('FN-2: a version that reports another engine on /info is reported Failed', async () => {
    deployed(serviceVersion({ ENGINE: 'ecs' }));
    const verdict = await hook()(hookEvent);
    expect(reports()[0]?.status).toBe('Failed');
    expect(reasons(verdict)).toEqual(['GET /info: expected engine "lambda", got "ecs"']);
  });

  it('FN-2: EXPECTED_ENGINE decides what /info must say', async () => {
    deployed(serviceVersion({ ENGINE: 'lambda-arm' }));
    const verdict = await hook({ ...settings, expectedEngine: 'lambda-arm' })(hookEvent);
    expect(verdict.status).toBe('Succeeded');
  });

  it('FN-2: a function error (the version threw) is reported Failed, with the error', async () => {
    answers({
      StatusCode: 200,
      ExecutedVersion: '7',
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'index'" }),
    });
    const verdict = await hook()(hookEvent);
    expect(reports()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(reasons(verdict)).toEqual(
      ['/', '/health', '/info'].map(
        (path) =>
          `GET ${path}: the function failed (Unhandled): Runtime.ImportModuleError: Cannot find module 'index'`,
      ),
    );
  });

  it('FN-2: an event the real service refuses is a function error too', async () => {
    const refusing: HttpLambdaHandler = (event) =>
      serviceVersion()({ ...(event as object), rawPath: undefined });
    deployed(refusing);
    const verdict = await hook()(hookEvent);
    expect(verdict.status).toBe('Failed');
    expect(reasons(verdict)[0]).toMatch(
      /^GET \/: the function failed \(Unhandled\): TypeError: not an HTTP event/,
    );
  });

  it.each([
    ['a bare string', encode('Hello, DevOps!')],
    ['an object without statusCode', encode({ body: 'Hello, DevOps!' })],
    ['a status that is not HTTP', encode({ statusCode: 42, body: 'Hello, DevOps!' })],
    ['no payload at all', new Uint8Array()],
    ['text that is not JSON', new TextEncoder().encode('Hello, DevOps!')],
  ])(
    'FN-2: a payload that is not an API Gateway proxy result (%s) is reported Failed',
    async (_, payload) => {
      answers({ StatusCode: 200, ExecutedVersion: '7', Payload: payload });
      const verdict = await hook()(hookEvent);
      expect(reports()).toEqual([expect.objectContaining({ status: 'Failed' })]);
      expect(reasons(verdict)).toHaveLength(3);
      expect(reasons(verdict)[0]).toMatch(/^GET \/: the function returned/);
    },
  );

  it('FN-2: a base64-encoded body is decoded before it is compared', async () => {
    const version = serviceVersion();
    deployed(async (event) => {
      const result = await version(event);
      return { ...result, body: Buffer.from(result.body).toString('base64'), isBase64Encoded: true };
    });
    expect((await hook()(hookEvent)).status).toBe('Succeeded');
  });

  it('FN-2: an answer from another version than the target is reported Failed', async () => {
    deployed(serviceVersion(), '6');
    const verdict = await hook()(hookEvent);
    expect(verdict.status).toBe('Failed');
    expect(reasons(verdict)[0]).toBe('GET /: version 6 answered, expected 7');
  });

  it('FN-2: a refused Invoke (AccessDenied) is still reported, Failed, naming the error', async () => {
    lambda.on(InvokeCommand).rejects(
      new LambdaServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: `User is not authorized to perform: lambda:InvokeFunction on resource: ${TARGET}`,
      }),
    );
    const verdict = await hook()(hookEvent);
    expect(reports()).toEqual([
      {
        deploymentId: hookEvent.DeploymentId,
        lifecycleEventHookExecutionId: hookEvent.LifecycleEventHookExecutionId,
        status: 'Failed',
      },
    ]);
    expect(reasons(verdict)[0]).toMatch(
      /^GET \/: the invocation failed \(AccessDeniedException: User is not authorized/,
    );
  });

  it('FN-2: a version that does not answer before the hook runs out of time is reported Failed in time', async () => {
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    const verdict = await hook()(hookEvent, { getRemainingTimeInMillis: () => REPORT_RESERVE_MS + 50 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reports()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(reasons(verdict)).toEqual(
      ['/', '/health', '/info'].map(
        (path) =>
          `GET ${path}: the invocation failed (Error: no answer within 50 ms, the time left to check and report)`,
      ),
    );
  });

  it('FN-2: settings that do not validate are reported Failed, naming the variable', async () => {
    const verdict = await hook(() => readHookSettings({ TARGET_FUNCTION_ARN: 'hello-service' }))(hookEvent);
    expect(reports()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(verdict.error).toMatch(/invalid environment[\s\S]*TARGET_FUNCTION_ARN/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('FN-2: a failed report fails the invocation (so Lambda runs the hook again)', async () => {
    deployed(serviceVersion());
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(hook()(hookEvent)).rejects.toThrow(
      /could not report Succeeded for deployment d-8JZTQ3V2B: ThrottlingException: Rate exceeded/,
    );
    expect(reports()).toHaveLength(1);
  });

  it('FN-2: a hook execution CodeDeploy already closed is not retried', async () => {
    deployed(serviceVersion());
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(new LifecycleEventAlreadyCompletedException({ message: 'already completed', $metadata: {} }));
    expect((await hook()(hookEvent)).status).toBe('Succeeded');
    expect(lines.at(-1)).toMatchObject({ level: 'WARN', message: 'pre-traffic hook already reported' });
  });

  it.each([
    ['an empty event', {}],
    ['null', null],
    ['no hook execution id', { DeploymentId: hookEvent.DeploymentId }],
    ['no deployment id', { LifecycleEventHookExecutionId: hookEvent.LifecycleEventHookExecutionId }],
    ['an empty deployment id', { ...hookEvent, DeploymentId: '' }],
  ])('FN-2: a malformed event (%s) is refused without invoking or reporting anything', async (_, event) => {
    deployed(serviceVersion());
    await expect(hook()(event)).rejects.toThrow(/not a CodeDeploy lifecycle hook event/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(reports()).toHaveLength(0);
  });

  it('FN-2: logs one JSON line per check and one for the verdict', async () => {
    deployed(serviceVersion({ FAULT_MODE: 'root-500' }));
    await hook()(hookEvent);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'pre-traffic check',
        route: 'GET /',
        passed: false,
      }),
      expect.objectContaining({ level: 'INFO', message: 'pre-traffic check', route: 'GET /health' }),
      expect.objectContaining({ level: 'INFO', message: 'pre-traffic check', route: 'GET /info' }),
      expect.objectContaining({
        level: 'ERROR',
        message: 'pre-traffic verdict',
        deploymentId: hookEvent.DeploymentId,
        target: TARGET,
        status: 'Failed',
        passed: 2,
        failed: 1,
        reasons: [expect.stringMatching(/^GET \/: /)],
      }),
    ]);
  });
});

describe('the pre-traffic hook settings', () => {
  it('FN-2: reads the target version from its qualified ARN, expecting the lambda engine by default', () => {
    expect(readHookSettings({ TARGET_FUNCTION_ARN: TARGET })).toEqual(settings);
    expect(readHookSettings({ TARGET_FUNCTION_ARN: TARGET, EXPECTED_ENGINE: 'lambda-arm' })).toMatchObject({
      expectedEngine: 'lambda-arm',
    });
  });

  it.each([
    ['an unqualified ARN', 'arn:aws:lambda:ap-southeast-2:111111111111:function:hello-service'],
    ['$LATEST', 'arn:aws:lambda:ap-southeast-2:111111111111:function:hello-service:$LATEST'],
    ['an alias', 'arn:aws:lambda:ap-southeast-2:111111111111:function:hello-service:live'],
    ['a function name', 'hello-service:7'],
    ['another service', 'arn:aws:states:ap-southeast-2:111111111111:stateMachine:hello-service:7'],
  ])('FN-2: refuses %s as the target', (_, arn) => {
    expect(() => readHookSettings({ TARGET_FUNCTION_ARN: arn })).toThrow(
      /must be a version-qualified Lambda function ARN[\s\S]*→ at TARGET_FUNCTION_ARN/,
    );
  });

  it('FN-2: names every missing or malformed variable at once', () => {
    expect(() => readHookSettings({ EXPECTED_ENGINE: 'not an engine!' })).toThrow(
      /pre-traffic-hook: invalid environment[\s\S]*TARGET_FUNCTION_ARN[\s\S]*EXPECTED_ENGINE/,
    );
  });
});
