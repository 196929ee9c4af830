import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { startLambdaProcess } from '../../../../service/test/support/built.ts';
import { eventFor } from '../../../../service/test/support/lambda-events.ts';
import { routeWalk, walk } from '../../../../service/test/support/lambda-walk.ts';
import { buildEstate } from '../../../bin/estate.ts';
import { DEFAULT_CONFIG, databaseNames, estateSites, PROFILES, parseConfig } from '../../../config/index.ts';
import { createPreTrafficHook } from '../../../functions/pre-traffic-hook/hook.ts';
import { readHookSettings } from '../../../functions/pre-traffic-hook/settings.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { FAILURE_RECORD_PATTERN } from '../../../lib/constructs/engines/rollback-alarms.ts';
import { serviceLambdaBundle } from '../../../lib/constructs/engines/service-bundles.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { ServerlessStack } from '../../../lib/stacks/serverless-stack.ts';
import { estate } from '../../support/estate.ts';
import { flatten, only, props, resources, target } from './ec2-template.ts';

const REGIONS = DEFAULT_CONFIG.engines.serverless.regions;
const { serverless } = DEFAULT_CONFIG;

describe.each(REGIONS)('Hello-Serverless-%s', (region) => {
  const stack = estate('lab').stack(`Hello-Serverless-${region}`);
  const json = stack.json;
  const [functionId, fn] = only(
    json,
    'AWS::Lambda::Function',
    (r) => props(r).FunctionName === 'hello-service',
  );
  const [versionId] = only(json, 'AWS::Lambda::Version');
  const [aliasId, alias] = only(json, 'AWS::Lambda::Alias');
  const [groupId, group] = only(json, 'AWS::CodeDeploy::DeploymentGroup');
  // The hook is the function that calls the new version; other unnamed functions are custom resources'.
  const [hookId, hook] = only(
    json,
    'AWS::Lambda::Function',
    (r) =>
      props(r).FunctionName === undefined &&
      JSON.stringify((props(r).Environment as { Variables?: unknown } | undefined)?.Variables ?? {}).includes(
        'TARGET_FUNCTION_ARN',
      ),
  );
  const variables = (props(fn).Environment as { Variables: Record<string, string> }).Variables;

  it('FN-1: runs the service bundle on the pinned Node.js runtime on Arm, and says which engine and version it is', () => {
    expect(props(fn)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: PROFILES.lab.lambda.memoryMb,
    });
    expect(variables).toMatchObject({ ENGINE: 'lambda', FAILURE_RATE: '0' });
    expect(variables.APP_VERSION).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    // No database setting: this region has no cluster, so /store answers 503 and says so.
    expect(Object.keys(variables).filter((k) => k.startsWith('DB') || k === 'DATABASE_URL')).toEqual([]);
    expect(props(fn).VpcConfig).toBeUndefined();
  });

  it('FN-1: the asset CDK uploads answers every route with the environment the template gives it', async () => {
    const key = String((props(fn).Code as { S3Key: string }).S3Key);
    const assetDir = join(estate('lab').outcome.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    expect(JSON.parse(readFileSync(join(assetDir, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    const lambda = await startLambdaProcess(join(assetDir, 'index.mjs'), {
      ...variables,
      AWS_REGION: region,
    });
    try {
      await walk(routeWalk('http-v2', false), lambda.invoke);
      const info = await lambda.invoke(eventFor('http-v2', { path: '/info' }));
      expect(JSON.parse(String(info.body))).toMatchObject({
        engine: 'lambda',
        region,
        version: variables.APP_VERSION,
      });
    } finally {
      lambda.stop();
    }
  });

  it('FN-1: the HTTP API sends every route to the live alias, never to the function itself', () => {
    const [apiId] = only(json, 'AWS::ApiGatewayV2::Api');
    const [integrationId, integration] = only(json, 'AWS::ApiGatewayV2::Integration');
    expect(props(integration)).toMatchObject({
      ApiId: { Ref: apiId },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { Ref: aliasId },
      PayloadFormatVersion: '2.0',
    });
    const [, route] = only(json, 'AWS::ApiGatewayV2::Route');
    expect(props(route)).toMatchObject({ ApiId: { Ref: apiId }, RouteKey: '$default' });
    expect(flatten(props(route).Target)).toBe(`integrations/<Ref:${integrationId}>`);
    const [, permission] = only(json, 'AWS::Lambda::Permission');
    expect(props(permission)).toMatchObject({
      FunctionName: { Ref: aliasId },
      Principal: 'apigateway.amazonaws.com',
    });
    // Only this API may invoke the alias.
    expect(flatten(props(permission).SourceArn)).toBe(
      `arn:aws:execute-api:${region}:${stack.account}:<Ref:${apiId}>/*/*`,
    );
    expect(props(alias)).toMatchObject({
      Name: 'live',
      FunctionName: { Ref: functionId },
      FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
    });
  });

  it('FN-1: one $default stage that deploys itself, throttled from the config, access-logged to an encrypted group', () => {
    const [, stage] = only(json, 'AWS::ApiGatewayV2::Stage');
    expect(props(stage)).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: serverless.throttle.rateLimit,
        ThrottlingBurstLimit: serverless.throttle.burstLimit,
      },
    });
    const access = props(stage).AccessLogSettings as { DestinationArn: unknown; Format: string };
    const group = json.Resources[target(access.DestinationArn) ?? ''];
    expect(props(group)).toMatchObject({ LogGroupName: '/hello/serverless/api-access' });
    // The region's estate key, whose policy lets CloudWatch Logs of this account use it.
    expect(props(group).KmsKeyId).toEqual({
      'Fn::GetStackOutput': expect.objectContaining({
        StackName: `Hello-Foundation-${region}`,
        OutputName: expect.stringMatching(/EstateKey.*Arn/),
      }),
    });
    expect(Object.keys(JSON.parse(access.Format))).toEqual(
      expect.arrayContaining(['requestId', 'status', 'path', 'integrationError']),
    );
  });

  it("FN-1, OPS-1: the function's role may write to its own log group and read its region's drain switch, nothing else", () => {
    const roleId = target(props(fn).Role);
    const statements = resources(json, 'AWS::IAM::Policy')
      .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => target(r) === roleId))
      .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: unknown[] }).Statement);
    const logGroupId = target((props(fn).LoggingConfig as { LogGroup: unknown }).LogGroup);
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      {
        Sid: 'DrainSwitchParameter',
        Action: 'ssm:GetParameter',
        Effect: 'Allow',
        Resource: `arn:aws:ssm:${region}:${stack.account}:parameter/hello/${region}/traffic/drain`,
      },
    ]);
    const roles = resources(json, 'AWS::IAM::Role').filter(([id]) => id === roleId);
    expect(props(roles[0]?.[1]).ManagedPolicyArns).toBeUndefined();
  });

  it('FN-1: publishes the endpoint, the function and the deployment group for DNS and the operator tool', () => {
    const names = resources(json, 'AWS::SSM::Parameter').map(([, p]) => props(p).Name);
    expect(names).toEqual(
      expect.arrayContaining(
        ['api-endpoint', 'function-name', 'application', 'deployment-group'].map(
          (leaf) => `/hello/${region}/serverless/${leaf}`,
        ),
      ),
    );
  });

  it('FN-2: CodeDeploy moves the live alias to each new version with the configured traffic shift', () => {
    expect(alias.UpdatePolicy).toEqual({
      CodeDeployLambdaAliasUpdate: {
        ApplicationName: { Ref: expect.any(String) },
        DeploymentGroupName: { Ref: groupId },
        BeforeAllowTrafficHook: { Ref: hookId },
      },
    });
    expect(props(group)).toMatchObject({
      DeploymentConfigName: `CodeDeployDefault.Lambda${serverless.deploymentConfig}`,
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
  });

  it("FN-2: rolls back on a failed or stopped deployment and on any alarm: the API's 5xx, failure records, the new version's errors", () => {
    expect(props(group).AutoRollbackConfiguration).toEqual({
      Enabled: true,
      Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
    const alarms = resources(json, 'AWS::CloudWatch::Alarm');
    expect(props(group).AlarmConfiguration).toEqual({
      Enabled: true,
      Alarms: alarms.map(([id]) => ({ Name: { Ref: id } })),
    });
    const byMetric = new Map(alarms.map(([, a]) => [props(a).MetricName, props(a)]));
    expect(byMetric.get('5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      Threshold: serverless.rollback.http5xxThreshold,
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: only(json, 'AWS::ApiGatewayV2::Api')[0] } },
        { Name: 'Stage', Value: '$default' },
      ],
    });
    expect(byMetric.get('FailureRecords')).toMatchObject({
      Namespace: 'Hello/serverless',
      Threshold: serverless.rollback.failureRecordThreshold,
    });
    const [, filter] = only(json, 'AWS::Logs::MetricFilter');
    expect(props(filter).FilterPattern).toBe(FAILURE_RECORD_PATTERN.logPatternString);
    expect(target(props(filter).LogGroupName)).toBe(
      target((props(fn).LoggingConfig as { LogGroup: unknown }).LogGroup),
    );
  });

  it('FN-2: the error alarm watches the version being deployed as the alias runs it, from its first error', () => {
    const [, errors] = resources(json, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => props(a).MetricName === 'Errors',
    ) ?? [undefined, undefined];
    expect(props(errors)).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, Statistic: 'Sum' });
    const dimensions = Object.fromEntries(
      (props(errors).Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, flatten(d.Value)]),
    );
    expect(dimensions).toEqual({
      FunctionName: `<Ref:${functionId}>`,
      Resource: `<Ref:${functionId}>:live`,
      ExecutedVersion: `<${versionId}.Version>`,
    });
  });

  it('FN-2: the pre-traffic hook targets the version being deployed, may invoke only it, and reports only to this group', () => {
    const hookVariables = (props(hook).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(hookVariables.TARGET_FUNCTION_ARN).toEqual({ Ref: versionId });
    // What CloudFormation puts there (a version's Ref is its qualified ARN) is what the hook accepts.
    expect(
      readHookSettings({
        TARGET_FUNCTION_ARN: `arn:aws:lambda:${region}:${stack.account}:function:hello-service:7`,
      }).targetVersion,
    ).toBe('7');
    const roleId = target(props(hook).Role);
    const statements = resources(json, 'AWS::IAM::Policy')
      .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => target(r) === roleId))
      .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke?.Resource).toEqual({ Ref: versionId });
    const report = statements.find((s) => s.Action === 'codedeploy:PutLifecycleEventHookExecutionStatus');
    expect(flatten(report?.Resource)).toMatch(new RegExp(`deploymentgroup:<Ref:.+>/<Ref:${groupId}>$`));
    expect(statements.map((s) => s.Action).sort()).toEqual(
      [
        'codedeploy:PutLifecycleEventHookExecutionStatus',
        'lambda:InvokeFunction',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ].sort(),
    );
  });
});

describe('the serverless engine in each profile', () => {
  it.each(['lab', 'production'] as const)(
    'FN-1: %s sizes the function and its warm environments from the profile',
    (profile) => {
      const json = estate(profile).stack(`Hello-Serverless-${REGIONS[0]}`).json;
      const { memoryMb, provisionedConcurrency } = PROFILES[profile].lambda;
      const [, fn] = only(json, 'AWS::Lambda::Function', (r) => props(r).FunctionName === 'hello-service');
      expect(props(fn).MemorySize).toBe(memoryMb);
      const [, alias] = only(json, 'AWS::Lambda::Alias');
      expect(props(alias).ProvisionedConcurrencyConfig).toEqual(
        provisionedConcurrency > 0 ? { ProvisionedConcurrentExecutions: provisionedConcurrency } : undefined,
      );
    },
  );
});

describe('the serverless engine in a region with a database', () => {
  const REGION = 'eu-central-1';
  const app = createEstateApp({ builtinValidation: false });
  // Composition only: nothing is synthesized or bundled by CDK.
  app.node.setContext('aws:cdk:bundling-stacks', []);
  const config = parseConfig({
    engines: { asg: { regions: ['us-east-1'] }, serverless: { regions: [REGION] } },
  });
  const { stacks, data } = buildEstate(app, config);
  const engine = stacks.find((s) => s.stackName === `Hello-Serverless-${REGION}`) as ServerlessStack;
  const resolve = (value: unknown) => engine.resolve(value);
  const fn = engine.service.function.node.defaultChild as lambda.CfnFunction;

  it('DATA-2: joins the private subnets, and the cluster admits its security group on 5432 only', () => {
    expect(data.has(REGION)).toBe(true);
    const vpcConfig = resolve(fn.vpcConfig) as { subnetIds: unknown[]; securityGroupIds: unknown[] };
    expect(JSON.stringify(vpcConfig.subnetIds)).toMatch(/PrivateSubnet/);
    expect(JSON.stringify(vpcConfig.subnetIds)).not.toMatch(/PublicSubnet/);
    const [functionGroup] = engine.service.function.connections.securityGroups;
    const ingress = engine.node
      .findAll()
      .filter((c): c is ec2.CfnSecurityGroupIngress => c instanceof ec2.CfnSecurityGroupIngress)
      .map((rule) => resolve({ from: rule.fromPort, to: rule.toPort, source: rule.sourceSecurityGroupId }));
    expect(ingress).toEqual([{ from: 5432, to: 5432, source: resolve(functionGroup?.securityGroupId) }]);
  });

  it('DATA-2: reads the app secret through SSM and its own cluster endpoint, and may do nothing more', () => {
    const names = databaseNames(config);
    const variables = (resolve(fn.environment) as { variables: Record<string, string> }).variables;
    expect(variables).toMatchObject({
      DB_SECRET_PARAMETER: names.appSecretReference,
      DB_HOST_PARAMETER: names.endpointParameter(REGION),
    });
    const role = engine.service.function.role as iam.Role;
    const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy;
    const statements = (resolve(policy.document) as { Statement: { Sid?: string; Action: unknown }[] })
      .Statement;
    expect(statements.map((s) => s.Sid ?? s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      'DrainSwitchParameter',
      'DatabaseSecretParameter',
      'DatabaseSecret',
      'DatabaseSecretKey',
      'DatabaseHostParameter',
    ]);
    const managed = (resolve((role.node.defaultChild as iam.CfnRole).managedPolicyArns) ?? []) as unknown[];
    expect(JSON.stringify(managed)).toMatch(/service-role\/AWSLambdaVPCAccessExecutionRole/);
    expect(managed).toHaveLength(1);
  });

  it('DATA-2: a setting the function already has is refused, not overwritten', () => {
    expect(() => engine.service.addValue('ENGINE', 'ecs')).toThrow(/ENGINE is already set/);
    expect(() => engine.service.addValue('lower', 'x')).toThrow(/UPPER_SNAKE/);
  });
});

describe('a rehearsal of a broken version (serverless.faultMode)', () => {
  const app = createEstateApp({ builtinValidation: false });
  app.node.setContext('aws:cdk:bundling-stacks', []);
  // Only the stacks the engine needs: its site's foundation and itself.
  const config = parseConfig({ serverless: { faultMode: 'root-500' } });
  const site = estateSites(config).find(
    (s) => s.role === 'primary' && s.region === config.engines.serverless.regions[0],
  );
  if (site === undefined) throw new Error('no serverless site in the default topology');
  const foundation = new FoundationStack(app, { config, site });
  const engine = new ServerlessStack(app, { config, site, foundation, reachesDatabase: false });
  const fn = engine.service.function.node.defaultChild as lambda.CfnFunction;
  const variables = (engine.resolve(fn.environment) as { variables: Record<string, string> }).variables;

  it('FN-2: the pre-traffic hook fails the version the template would publish, before it takes any traffic', async () => {
    expect(variables.FAULT_MODE).toBe('root-500');
    const service = await startLambdaProcess(join(serviceLambdaBundle().directory, 'index.mjs'), {
      ...variables,
      AWS_REGION: engine.region,
    });
    const lambdaClient = mockClient(LambdaClient);
    const codedeployClient = mockClient(CodeDeployClient);
    try {
      // One environment answers one event at a time, as Lambda runs it; the hook's checks run at once.
      let queue: Promise<unknown> = Promise.resolve();
      lambdaClient.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
        const event = JSON.parse(new TextDecoder().decode(input.Payload));
        const answer = queue.then(() => service.invoke(event));
        queue = answer.catch(() => undefined);
        const result = await answer;
        return {
          StatusCode: 200,
          ExecutedVersion: '2',
          Payload: new TextEncoder().encode(JSON.stringify(result)),
        };
      });
      codedeployClient.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
      const hook = createPreTrafficHook(
        readHookSettings({
          TARGET_FUNCTION_ARN: `arn:aws:lambda:${engine.region}:${engine.account}:function:hello-service:2`,
        }),
        { lambda: new LambdaClient({}), codedeploy: new CodeDeployClient({}), log: () => {} },
      );
      const verdict = await hook({ DeploymentId: 'd-REHEARSAL', LifecycleEventHookExecutionId: 'execution' });
      expect(verdict.status).toBe('Failed');
      expect(verdict.checks.filter((c) => !c.passed).map((c) => c.route)).toEqual(['GET /']);
      expect(
        codedeployClient.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]?.args[0].input,
      ).toEqual({
        deploymentId: 'd-REHEARSAL',
        lifecycleEventHookExecutionId: 'execution',
        status: 'Failed',
      });
    } finally {
      service.stop();
      lambdaClient.restore();
      codedeployClient.restore();
    }
  });
});
