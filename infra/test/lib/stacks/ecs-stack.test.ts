import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PROFILES } from '../../../config/index.ts';
import { readHookSettings } from '../../../functions/ecs-test-traffic-hook/settings.ts';
import { TEST_TRAFFIC_HEADER } from '../../../lib/constructs/engines/ecs/fargate-service.ts';
import { estate } from '../../support/estate.ts';
import { flatten, only, props, resources, target } from './ec2-template.ts';

const REGIONS = DEFAULT_CONFIG.engines.ecs.regions;
const { ecs } = DEFAULT_CONFIG;

describe.each(REGIONS)('Hello-Ecs-%s', (region) => {
  const stack = estate('lab').stack(`Hello-Ecs-${region}`);
  const json = stack.json;
  const [, service] = only(json, 'AWS::ECS::Service');
  const [taskId, task] = only(json, 'AWS::ECS::TaskDefinition');
  const groups = resources(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
  const rules = resources(json, 'AWS::ElasticLoadBalancingV2::ListenerRule');
  const [hookId, hook] = only(
    json,
    'AWS::Lambda::Function',
    (r) =>
      (props(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.TEST_ENDPOINT !== undefined,
  );
  const listenerPort = (rule: (typeof rules)[number][1]) =>
    props(json.Resources[target(props(rule).ListenerArn) ?? '']).Port;
  const productionRule = rules.find(([, r]) => listenerPort(r) === 443);
  const testRule = rules.find(([, r]) => listenerPort(r) === 8080);

  it('ECS-3: a Fargate service on Arm in the private subnets, sized by the profile, running the built image', () => {
    expect(props(service)).toMatchObject({
      LaunchType: 'FARGATE',
      DesiredCount: ecs.minTasks,
      TaskDefinition: { Ref: taskId },
    });
    const network = (props(service).NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> })
      .AwsvpcConfiguration;
    expect(network.AssignPublicIp).toBe('DISABLED');
    expect(JSON.stringify(network.Subnets)).toMatch(/PrivateSubnet/);
    expect(props(task)).toMatchObject({
      Cpu: String(PROFILES.lab.fargate.cpu),
      Memory: String(PROFILES.lab.fargate.memoryMiB),
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const [container = {}] = props(task).ContainerDefinitions as Record<string, unknown>[];
    expect(container).toMatchObject({
      Name: 'service',
      PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
      StopTimeout: 30,
    });
    const environment = Object.fromEntries(
      (container.Environment as { Name: string; Value: string }[]).map((v) => [v.Name, v.Value]),
    );
    expect(environment).toEqual({
      ENGINE: 'ecs',
      FAILURE_RATE: '0',
      WORKERS: '1',
      DRAIN_PARAMETER: `/hello/${region}/traffic/drain`,
    });
    expect((container.HealthCheck as { Command: string[] }).Command.slice(0, 3)).toEqual([
      'CMD',
      'node',
      '-e',
    ]);
  });

  it('ECS-1: the task runs the tag of hello/service the pipeline released (read from SSM on every deploy), the built image before the first release', () => {
    const parameters = json.Parameters as Record<string, { Type: string; Default: string }>;
    const [tagParameter] = Object.entries(parameters).filter(
      ([, p]) => p.Default === `/hello/${region}/ecs/released-image`,
    );
    expect(tagParameter?.[1].Type).toBe('AWS::SSM::Parameter::Value<String>');
    const conditions = json.Conditions as Record<string, unknown>;
    expect(conditions.NothingReleased).toEqual({ 'Fn::Equals': [{ Ref: tagParameter?.[0] }, 'none'] });
    const [container = {}] = props(task).ContainerDefinitions as Record<string, unknown>[];
    const [condition, built, released] = (container.Image as { 'Fn::If': unknown[] })['Fn::If'];
    expect(condition).toBe('NothingReleased');
    expect(JSON.stringify(built)).toContain('cdk-hnb659fds-container-assets');
    const releasedImage = JSON.stringify(released);
    expect(releasedImage).toContain(`.dkr.ecr.${region}.`);
    expect(releasedImage).toContain('/hello/service:');
    expect(releasedImage).toContain(`{"Ref":"${tagParameter?.[0]}"}`);
    // The execution role pulls the released image from the region's replica and the home repository.
    const policies = JSON.stringify(resources(json, 'AWS::IAM::Policy'));
    expect(policies).toContain(`:ecr:${region}:${DEFAULT_CONFIG.accounts.primary}:repository/hello/service`);
    expect(policies).toContain(
      `:ecr:${DEFAULT_CONFIG.homeRegion}:${DEFAULT_CONFIG.accounts.primary}:repository/hello/service`,
    );
    // The parameter exists before this stack: the region's foundation creates it, and only if absent.
    const foundation = estate('lab').stack(`Hello-Foundation-${region}`).json;
    const [, record] = only(foundation, 'Custom::ReleasedImageRecord');
    const create = JSON.parse(String(props(record).Create)) as { parameters: Record<string, unknown> };
    expect(create.parameters).toMatchObject({
      Name: `/hello/${region}/ecs/released-image`,
      Value: 'none',
      Overwrite: false,
    });
  });

  it('ECS-3: the image is built from deploy/container with the web bundle beside its Dockerfile', () => {
    const manifest = JSON.parse(
      readFileSync(join(estate('lab').outcome.outdir, `Hello-Ecs-${region}.assets.json`), 'utf8'),
    ) as {
      dockerImages: Record<
        string,
        { source: { directory: string; platform?: string; dockerBuildArgs?: Record<string, string> } }
      >;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const directory = join(estate('lab').outcome.outdir, images[0]?.source.directory ?? '');
    expect(images[0]?.source.platform).toBe('linux/arm64');
    // ECS-1: the image carries its version, as the pipeline's images do.
    expect(images[0]?.source).toMatchObject({
      dockerBuildArgs: { APP_VERSION: expect.stringMatching(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/) },
    });
    expect(existsSync(join(directory, 'Dockerfile'))).toBe(true);
    expect(readFileSync(join(directory, 'server.mjs'), 'utf8')).toContain('Hello, DevOps!');
  });

  it("ECS-3: ECS's own blue/green, baked, with the circuit breaker and alarm rollback", () => {
    const deployment = props(service).DeploymentConfiguration as Record<string, unknown>;
    expect(deployment).toMatchObject({
      Strategy: 'BLUE_GREEN',
      BakeTimeInMinutes: ecs.bakeMinutes,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      Alarms: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
    });
    const alarmIds = resources(json, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect((deployment.Alarms as { AlarmNames: unknown[] }).AlarmNames.map(target).sort()).toEqual(
      alarmIds.sort(),
    );
    const http5xx = resources(json, 'AWS::CloudWatch::Alarm').find(([, a]) => props(a).Metrics !== undefined);
    const expression = (props(http5xx?.[1]).Metrics as { Expression?: string }[]).find((m) => m.Expression);
    expect(expression?.Expression).toBe('FILL(elb, 0) + FILL(blue, 0) + FILL(green, 0)');
  });

  it('ECS-3: production and test rules each forward to both target groups, production all to the live one', () => {
    expect(groups).toHaveLength(2);
    for (const rule of [productionRule, testRule]) {
      const [action] = props(rule?.[1]).Actions as {
        ForwardConfig: { TargetGroups: { TargetGroupArn: unknown; Weight: number }[] };
      }[];
      expect(
        action?.ForwardConfig.TargetGroups.map((g) => [target(g.TargetGroupArn), g.Weight]).sort(),
      ).toEqual(groups.map(([id], i) => [id, i === 0 ? 100 : 0]).sort());
    }
    const [balancer] = props(service).LoadBalancers as Record<string, unknown>[];
    const advanced = balancer?.AdvancedConfiguration as Record<string, unknown>;
    expect([target(balancer?.TargetGroupArn), target(advanced.AlternateTargetGroupArn)].sort()).toEqual(
      groups.map(([id]) => id).sort(),
    );
    expect(target(advanced.ProductionListenerRule)).toBe(productionRule?.[0]);
    expect(target(advanced.TestListenerRule)).toBe(testRule?.[0]);
    // The role ECS assumes to move traffic: it rewrites the listener rules and (de)registers tasks.
    const role = props(json.Resources[target(advanced.RoleArn) ?? '']);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } }],
    });
    expect(flatten((role.ManagedPolicyArns as unknown[] | undefined)?.[0])).toBe(
      'arn:<Ref:AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers',
    );
  });

  it('ECS-3: the role ECS assumes for the lifecycle hook may invoke that hook function, and nothing else', () => {
    const [lifecycle] = (
      props(service).DeploymentConfiguration as { LifecycleHooks: Record<string, unknown>[] }
    ).LifecycleHooks;
    const roleId = target(lifecycle?.RoleArn);
    const policies = resources(json, 'AWS::IAM::Policy').filter(([, p]) =>
      (props(p).Roles as unknown[]).some((r) => target(r) === roleId),
    );
    const statements = policies.flatMap(
      ([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    const hookArn = { 'Fn::GetAtt': [target(lifecycle?.HookTargetArn), 'Arn'] };
    expect(statements).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [hookArn, { 'Fn::Join': ['', [hookArn, ':*']] }],
      },
    ]);
    // The service's first deployment runs the hook too: the grant must exist before it.
    expect(service.DependsOn).toEqual(expect.arrayContaining(policies.map(([id]) => id)));
  });

  it('ECS-3: the hook runs after test traffic reaches the new tasks, through the header-gated test listener', () => {
    const [lifecycle] = (
      props(service).DeploymentConfiguration as { LifecycleHooks: Record<string, unknown>[] }
    ).LifecycleHooks;
    expect(lifecycle).toMatchObject({ LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] });
    expect(target(lifecycle?.HookTargetArn)).toBe(hookId);
    const conditions = props(testRule?.[1]).Conditions as {
      Field: string;
      HttpHeaderConfig?: { HttpHeaderName: string; Values: string[] };
    }[];
    const header = conditions.find((c) => c.Field === 'http-header')?.HttpHeaderConfig;
    expect(header?.HttpHeaderName).toBe(TEST_TRAFFIC_HEADER);
    const variables = (props(hook).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.TEST_HEADER).toBe(`${TEST_TRAFFIC_HEADER}: ${header?.Values[0]}`);
    expect(flatten(variables.TEST_ENDPOINT)).toMatch(/^http:\/\/<.+\.DNSName>:8080$/);
    // What CloudFormation puts there is what the hook accepts.
    const settings = readHookSettings({
      TEST_ENDPOINT: 'http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080',
      TEST_HEADER: String(variables.TEST_HEADER),
    });
    expect(settings.testEndpoint).toBe('http://hello-ecs-123.us-west-2.elb.amazonaws.com:8080');
    expect(settings.testHeader).toEqual({ name: TEST_TRAFFIC_HEADER, value: header?.Values[0] });
    const conditionsOfProduction = props(productionRule?.[1]).Conditions as { Field: string }[];
    expect(conditionsOfProduction.map((c) => c.Field)).toEqual(['path-pattern']);
  });

  it('ECS-3: the test port admits only the VPC NAT gateways (where the hook calls from), production anyone', () => {
    const [balancerGroupId] = (
      props(only(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[1]).SecurityGroups as unknown[]
    ).map((g) => target(g));
    const ingress = props(json.Resources[balancerGroupId ?? '']).SecurityGroupIngress as Record<
      string,
      unknown
    >[];
    expect(ingress.filter((r) => r.FromPort === 80).map((r) => r.CidrIp)).toEqual(['0.0.0.0/0']);
    const test = ingress.filter((r) => r.FromPort === 8080);
    expect(test).toHaveLength(PROFILES.lab.natGateways);
    for (const rule of test) {
      const [, [address, mask]] = (
        rule.CidrIp as {
          'Fn::Join': [string, [Record<string, { OutputName: string; StackName: string }>, string]];
        }
      )['Fn::Join'];
      expect(address['Fn::GetStackOutput']).toMatchObject({
        StackName: `Hello-Foundation-${region}`,
        OutputName: expect.stringMatching(/VpcPublicSubnet\dEIP/),
      });
      expect(mask).toBe('/32');
    }
    const hookNetwork = props(hook).VpcConfig as { SubnetIds: unknown[] } | undefined;
    expect(JSON.stringify(hookNetwork?.SubnetIds)).toMatch(/PrivateSubnet/);
  });

  it('ECS-3: scales between the configured task counts on CPU', () => {
    const [, scalable] = only(json, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(props(scalable)).toMatchObject({ MinCapacity: ecs.minTasks, MaxCapacity: ecs.maxTasks });
    expect(flatten(props(scalable).ResourceId)).toBe(
      `service/<Ref:${target(props(service).Cluster)}>/<${only(json, 'AWS::ECS::Service')[0]}.Name>`,
    );
    expect(props(scalable).ScalableDimension).toBe('ecs:service:DesiredCount');
    const [scalableId] = only(json, 'AWS::ApplicationAutoScaling::ScalableTarget');
    const [, policy] = only(json, 'AWS::ApplicationAutoScaling::ScalingPolicy');
    expect(props(policy)).toMatchObject({
      ScalingTargetId: { Ref: scalableId },
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        // Fixed in the construct: the ECS settings have no CPU target of their own.
        TargetValue: 50,
      },
    });
  });
});
