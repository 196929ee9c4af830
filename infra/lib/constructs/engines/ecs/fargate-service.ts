import { fileURLToPath } from 'node:url';
import { Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AwsRegion, EstateConfig } from '../../../../config/index.ts';
import { imageRepositoryName } from '../../../stacks/registry-stack.ts';
import {
  type DatabaseReader,
  type DatabaseSecretAccess,
  grantDatabaseHost,
  grantDatabaseSecret,
} from '../../data/database-access.ts';
import { estateFunction } from '../../foundation/estate-function.ts';
import { EngineDomain } from '../../traffic/engine-domain.ts';
import { serveHttps } from '../../traffic/https-listener.ts';
import { balancer5xxMetric, RollbackAlarms } from '../rollback-alarms.ts';
import { containerBuildContext } from '../service-bundles.ts';
import { HEALTH_CHECK_PATH, SERVICE_PORT } from '../service-load-balancer.ts';
import { ServiceLogGroup } from '../service-log-group.ts';
import { checkSetting, type ServiceSettingsTarget } from '../service-settings.ts';
import { ReleasedImage, releasedImageParameter } from './released-image.ts';
import { type RestoredImageSource, restoredImage } from './restored-image.ts';

const HOOK_ENTRY = fileURLToPath(
  new URL('../../../../functions/ecs-test-traffic-hook/index.ts', import.meta.url),
);

/** The port of the test listener: ECS sends it to the new tasks before any production traffic. */
export const TEST_LISTENER_PORT = 8080;
/** The header the test listener's rule requires. */
export const TEST_TRAFFIC_HEADER = 'x-hello-test-traffic';

/** The names the ECS engine and the operator tool agree on. */
export function ecsNames(config: Pick<EstateConfig, 'appName'>) {
  const app = config.appName.toLowerCase();
  return {
    containerName: 'service',
    logGroup: `/${app}/ecs/service`,
    metricNamespace: `${config.appName}/ecs`,
    /** Fixed names: the pipeline, in another region, names the service by its ARN. */
    cluster: app,
    service: `${app}-service`,
  };
}

/** Props of {@link FargateEngine}. */
export interface FargateEngineProps {
  /** The validated topology (strategy, task counts, rollback thresholds). */
  readonly config: EstateConfig;
  /** The region's VPC: the balancer in its public subnets, the tasks and the hook in its private ones. */
  readonly vpc: ec2.IVpc;
  /** The region's estate key (logs). */
  readonly key: kms.IKey;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** The region's alarm topic. */
  readonly topic: sns.ITopic;
  /** Retention of every log group, from the profile. */
  readonly logRetention: logs.RetentionDays;
  /** Each task's size, from the profile. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** A recovered estate's image, instead of the released one. @default - the released image (ECS-1) */
  readonly restoredImage?: RestoredImageSource;
}

/**
 * The service's container on Fargate behind an ALB (ECS-3). A new task definition takes traffic by ECS's
 * own blue/green (or canary, or linear) deployment: the new tasks register in the idle target group, the
 * test listener is moved to them first and a hook calls them through it, then production moves, and the
 * old tasks stay for the bake time. The deployment rolls back on a failed hook, on an alarm (5xx of the
 * balancer and targets, failure records in the log) and on the circuit breaker (tasks that never get
 * healthy). Both listeners forward through a rule, which ECS needs to move traffic.
 */
export class FargateEngine extends Construct implements ServiceSettingsTarget, DatabaseReader {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The certificate and the record of the engine's own name in the region. */
  readonly domain: EngineDomain;
  /** Production traffic (HTTPS on 443; 80 redirects) and test traffic (port 8080, from the hook only). */
  readonly productionRule: elbv2.ApplicationListenerRule;
  readonly testRule: elbv2.ApplicationListenerRule;
  /** The target groups the deployments alternate between. */
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** Reachable from the balancer only; what the database admits. */
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly rollbackAlarms: RollbackAlarms;
  readonly testTrafficHook: nodejs.NodejsFunction;
  readonly logs: ServiceLogGroup;
  /** The version of the service the image carries. */
  readonly serviceVersion: string;
  private readonly settingKeys = new Set<string>();

  constructor(scope: Construct, id: string, props: FargateEngineProps) {
    super(scope, id);
    const { config, vpc } = props;
    const names = ecsNames(config);
    const settings = config.ecs;
    const period = Duration.seconds(settings.rollback.periodSeconds);

    this.logs = new ServiceLogGroup(this, 'Logs', {
      logGroupName: names.logGroup,
      key: props.key,
      retention: props.logRetention,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: names.cluster,
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const context = containerBuildContext();
    this.serviceVersion = context.version;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.container = this.taskDefinition.addContainer('Service', {
      containerName: names.containerName,
      image:
        props.restoredImage === undefined
          ? new ReleasedImage({
              asset: ecs.ContainerImage.fromAsset(context.directory, {
                platform: Platform.LINUX_ARM64,
                buildArgs: { APP_VERSION: context.version },
              }),
              repositoryName: imageRepositoryName(config),
              homeRegion: config.homeRegion,
              parameterName: releasedImageParameter(config, Stack.of(this).region as AwsRegion),
            })
          : restoredImage(this, props.restoredImage),
      portMappings: [{ containerPort: SERVICE_PORT }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logs.logGroup, streamPrefix: 'service' }),
      environment: {},
      // SIGTERM, then the service drains its in-flight requests; ECS kills it after this.
      stopTimeout: Duration.seconds(30),
      // ECS ignores the Dockerfile's HEALTHCHECK; the same command, so `docker run` and ECS agree.
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health', { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))",
        ],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(15),
        retries: 3,
      },
    });
    for (const [key, value] of Object.entries({
      ENGINE: 'ecs',
      FAILURE_RATE: '0',
      // One process per whole vCPU the task has: a quarter-vCPU task would otherwise fork a worker per
      // core of the host it lands on, each with its own memory.
      WORKERS: String(Math.max(1, Math.floor(props.cpu / 1024))),
    }))
      this.addValue(key, value);

    const balancerGroup = new ec2.SecurityGroup(this, 'BalancerSecurityGroup', {
      vpc,
      description: 'ECS load balancer: HTTP and the header-gated test port from anywhere',
      allowAllOutbound: false,
    });
    // The hook runs in the VPC, but an internet-facing balancer's name resolves to public addresses, so
    // its calls leave through the region's NAT gateways and arrive from their addresses: the test port
    // admits those only. Its rule also wants the test header, so nothing else in the VPC stumbles on an
    // untested version (a guard, not a secret: the template holds it).
    for (const address of natAddresses(vpc)) {
      balancerGroup.addIngressRule(
        ec2.Peer.ipv4(`${address}/32`),
        ec2.Port.tcp(TEST_LISTENER_PORT),
        'Test traffic from the VPC (NAT gateway)',
      );
    }
    Validations.of(balancerGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The public listener of the service must be reachable from anywhere; the test port is not',
    });
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'ECS tasks: the service port from the load balancer only',
      // Tasks pull the image and reach SSM, CloudWatch and the database.
      allowAllOutbound: true,
    });
    this.taskSecurityGroup.connections.allowFrom(balancerGroup, ec2.Port.tcp(SERVICE_PORT), 'Service port');
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: balancerGroup,
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, 'alb/ecs');

    const targetGroup = (groupId: string) =>
      new elbv2.ApplicationTargetGroup(this, groupId, {
        vpc,
        port: SERVICE_PORT,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        deregistrationDelay: Duration.seconds(30),
        healthCheck: {
          path: HEALTH_CHECK_PATH,
          healthyHttpCodes: '200',
          interval: Duration.seconds(15),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
      });
    this.blueTargetGroup = targetGroup('Blue');
    this.greenTargetGroup = targetGroup('Green');
    // Anything the rule does not take: ECS moves traffic by rewriting rules, not default actions.
    const noRoute = elbv2.ListenerAction.fixedResponse(404, {
      contentType: 'text/plain',
      messageBody: 'no route',
    });
    this.domain = new EngineDomain(this, 'Domain', {
      config,
      endpoint: { engine: 'ecs', region: Stack.of(this).region as AwsRegion },
    });
    const production = serveHttps(this.loadBalancer, {
      certificate: this.domain.certificate,
      defaultAction: noRoute,
      redirectId: 'Production',
    });
    this.domain.route(new LoadBalancerTarget(this.loadBalancer, { evaluateTargetHealth: true }));
    // The test listener stays plain HTTP: only the region's NAT addresses reach it, with the test header,
    // and it carries the hook's synthetic requests only. HTTPS there would need the hook to trust a
    // certificate for the balancer's AWS name, which ACM cannot issue.
    const testListener = this.loadBalancer.addListener('Test', {
      port: TEST_LISTENER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: noRoute,
    });
    const testToken = Names.uniqueResourceName(this, { maxLength: 64 });
    const rule = (
      ruleId: string,
      on: elbv2.ApplicationListener,
      conditions: elbv2.ListenerCondition[] = [],
    ) =>
      new elbv2.ApplicationListenerRule(this, ruleId, {
        listener: on,
        priority: 1,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/*']), ...conditions],
        action: elbv2.ListenerAction.weightedForward([
          { targetGroup: this.blueTargetGroup, weight: 100 },
          { targetGroup: this.greenTargetGroup, weight: 0 },
        ]),
      });
    this.productionRule = rule('ProductionRule', production);
    this.testRule = rule('TestRule', testListener, [
      elbv2.ListenerCondition.httpHeader(TEST_TRAFFIC_HEADER, [testToken]),
    ]);

    this.rollbackAlarms = new RollbackAlarms(this, 'RollbackAlarms', {
      // Both target groups: whichever holds the new tasks.
      http5xx: balancer5xxMetric(
        this.loadBalancer,
        { blue: this.blueTargetGroup, green: this.greenTargetGroup },
        period,
      ),
      logGroup: this.logs.logGroup,
      metricNamespace: names.metricNamespace,
      http5xxThreshold: settings.rollback.http5xxThreshold,
      failureRecordThreshold: settings.rollback.failureRecordThreshold,
      period,
      topic: props.topic,
    });

    const strategy = ecs.DeploymentStrategy[settings.strategy];
    const step = {
      stepPercent: settings.stepPercent,
      stepBakeTime: Duration.minutes(settings.stepBakeMinutes),
    };
    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: names.service,
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: settings.minTasks,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.taskSecurityGroup],
      deploymentStrategy: strategy,
      bakeTime: Duration.minutes(settings.bakeMinutes),
      ...(settings.strategy === 'CANARY' ? { canaryConfiguration: step } : {}),
      ...(settings.strategy === 'LINEAR' ? { linearConfiguration: step } : {}),
      circuitBreaker: { enable: true, rollback: true },
      deploymentAlarms: {
        alarmNames: this.rollbackAlarms.alarms.map((a) => a.alarmName),
        behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
      },
      minHealthyPercent: 100,
      healthCheckGracePeriod: Duration.seconds(30),
    });
    this.service
      .loadBalancerTarget({
        containerName: names.containerName,
        containerPort: SERVICE_PORT,
        alternateTarget: new ecs.AlternateTarget('Alternate', {
          alternateTargetGroup: this.greenTargetGroup,
          productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.productionRule),
          testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.testRule),
        }),
      })
      .attachToApplicationTargetGroup(this.blueTargetGroup);
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: settings.minTasks,
      maxCapacity: settings.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 50 });

    const hookRole = new iam.Role(this, 'TestTrafficHookRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Calls the new tasks through the test listener',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      ],
    });
    this.testTrafficHook = estateFunction(this, 'TestTrafficHook', {
      entry: HOOK_ENTRY,
      description: 'Calls the new tasks on /, /health and /info through the test listener',
      timeout: Duration.minutes(1),
      memorySize: 256,
      role: hookRole,
      key: props.key,
      logRetention: props.logRetention,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      environment: {
        TEST_ENDPOINT: `http://${this.loadBalancer.loadBalancerDnsName}:${TEST_LISTENER_PORT}`,
        TEST_HEADER: `${TEST_TRAFFIC_HEADER}: ${testToken}`,
      },
    });
    // Given, not left to CDK: the role CDK would make is created too late for the estate's tag aspect.
    const invokeRole = new iam.Role(this, 'TestTrafficInvokeRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS: invoke the test-traffic hook during a deployment',
    });
    // DeploymentLifecycleLambdaTarget grants invoke only to a role it creates itself: without this,
    // ECS cannot call the hook and every deployment fails at POST_TEST_TRAFFIC_SHIFT and rolls back.
    // The service waits for the grant (the role's policy), since its first deployment runs the hook too.
    this.testTrafficHook.grantInvoke(invokeRole);
    this.service.node.addDependency(invokeRole);
    this.service.addLifecycleHook(
      new ecs.DeploymentLifecycleLambdaTarget(this.testTrafficHook, 'TestTraffic', {
        lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
        role: invokeRole,
      }),
    );
    this.acknowledge();
  }

  private acknowledge(): void {
    const stack = Stack.of(this);
    const hookId = stack.getLogicalId(this.testTrafficHook.node.defaultChild as lambda.CfnFunction);
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'Non-secret settings only (engine, version, SSM parameter names): secrets are read from SSM at run time',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The execution role pulls the image: ecr:GetAuthorizationToken has no resource to scope to',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
        reason:
          'The policy AWS maintains for ECS to move listener rules and target groups in a blue/green deployment',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'The network-interface actions Lambda needs to place the hook in the VPC, maintained by AWS',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${hookId}.Arn>:*]`,
        reason: 'ECS invokes any version of the one test-traffic hook function (its invoke grant above)',
      },
    );
  }

  /** A setting of the service, as a variable of the container (a new task definition revision). */
  addValue(key: string, value: string): void {
    checkSetting(this, key, value, this.settingKeys.has(key));
    this.settingKeys.add(key);
    this.container.addEnvironment(key, value);
  }

  allowDatabaseSecret(secret: DatabaseSecretAccess): void {
    grantDatabaseSecret(this.taskDefinition.taskRole, secret);
  }

  allowDatabaseHost(parameterName: string): void {
    grantDatabaseHost(this.taskDefinition.taskRole, parameterName);
  }
}

/**
 * The public addresses of the VPC's NAT gateways (the `Ref` of their Elastic IPs): where calls from its
 * private subnets to a public address come from.
 */
function natAddresses(vpc: ec2.IVpc): string[] {
  const addresses = vpc.publicSubnets
    .map((subnet) => subnet.node.tryFindChild('EIP'))
    .filter((eip): eip is ec2.CfnEIP => eip instanceof ec2.CfnEIP)
    .map((eip) => eip.ref);
  if (addresses.length === 0)
    throw new Error('the VPC has no NAT gateway: the test-traffic hook could not reach the test listener');
  return addresses;
}
