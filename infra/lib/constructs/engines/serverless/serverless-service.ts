import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AwsRegion, EstateConfig, LambdaDeploymentConfigName } from '../../../../config/index.ts';
import {
  type DatabaseReader,
  type DatabaseSecretAccess,
  grantDatabaseHost,
  grantDatabaseSecret,
} from '../../data/database-access.ts';
import {
  ESTATE_LAMBDA_ARCHITECTURE,
  ESTATE_LAMBDA_RUNTIME,
  estateFunction,
} from '../../foundation/estate-function.ts';
import { ApiDomains } from '../../traffic/api-domains.ts';
import { type DrainSwitchReader, grantDrainSwitch } from '../../traffic/drain-switch.ts';
import { EngineDomain } from '../../traffic/engine-domain.ts';
import { trafficNames } from '../../traffic/names.ts';
import { RollbackAlarms } from '../rollback-alarms.ts';
import { serviceLambdaBundle, serviceLambdaCode } from '../service-bundles.ts';
import { ServiceLogGroup } from '../service-log-group.ts';
import { checkSetting, type ServiceSettingsTarget } from '../service-settings.ts';

const HOOK_ENTRY = fileURLToPath(new URL('../../../../functions/pre-traffic-hook/index.ts', import.meta.url));

/** The names the serverless engine's resources and the operator tool agree on. */
export function serverlessNames(config: Pick<EstateConfig, 'appName'>) {
  const app = config.appName.toLowerCase();
  return {
    functionName: `${app}-service`,
    aliasName: 'live',
    logGroup: `/${app}/serverless/service`,
    accessLogGroup: `/${app}/serverless/api-access`,
    metricNamespace: `${config.appName}/serverless`,
    application: `${config.appName}-serverless`,
    deploymentGroup: `${config.appName}-serverless-traffic-shift`,
  };
}

/** Each configuration name to CodeDeploy's predefined configuration. */
const DEPLOYMENT_CONFIGS: Record<LambdaDeploymentConfigName, codedeploy.ILambdaDeploymentConfig> = {
  AllAtOnce: codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
  Canary10Percent5Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Canary10Percent15Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  Canary10Percent30Minutes: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  Linear10PercentEvery1Minute: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  Linear10PercentEvery2Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  Linear10PercentEvery3Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  Linear10PercentEvery10Minutes: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};

/** Props of {@link ServerlessService}. */
export interface ServerlessServiceProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The region's estate key (logs). */
  readonly key: kms.IKey;
  /** The region's alarm topic. */
  readonly topic: sns.ITopic;
  /** Retention of every log group, from the profile. */
  readonly logRetention: logs.RetentionDays;
  /** Function memory, from the profile. */
  readonly memoryMb: number;
  /** Warm environments on the live alias (0: none), from the profile. */
  readonly provisionedConcurrency: number;
  /**
   * The region's VPC, given only where the region has a database: the function then runs in its private
   * subnets to reach the cluster. Elsewhere it stays outside any VPC (no network interfaces to create on
   * a cold start, nothing to pay for egress).
   */
  readonly vpc?: ec2.IVpc;
}

/**
 * The service in Lambda mode behind an HTTP API (FN-1): every deployment publishes a version, and
 * CodeDeploy moves the `live` alias to it with the configured canary or linear shift, after a pre-traffic
 * hook has called the new version itself; 5xx responses of the API, `failure` records in the service's
 * log or an error of the new version roll it back (FN-2). The API calls the alias, never the function,
 * or the shift would be bypassed.
 */
export class ServerlessService
  extends Construct
  implements ServiceSettingsTarget, DatabaseReader, DrainSwitchReader
{
  /** The function (the code of every version). */
  readonly function: lambda.Function;
  /** The alias the API calls, moved by CodeDeploy. */
  readonly alias: lambda.Alias;
  /** The service's log group (the function writes its JSON lines there). */
  readonly logs: ServiceLogGroup;
  /** The HTTP API. */
  readonly api: apigwv2.HttpApi;
  /** Its one stage, `$default`, with access logs and throttling. */
  readonly stage: apigwv2.HttpStage;
  /** The API under the engine's own name and `app.<domain>` (SEC-1). */
  readonly domains: ApiDomains;
  /** The alarms of the API and the log; shared with the EC2 engines. */
  readonly rollbackAlarms: RollbackAlarms;
  /** Any error of the version being deployed. */
  readonly newVersionErrors: cloudwatch.Alarm;
  /** Calls the new version before it takes traffic. */
  readonly preTrafficHook: nodejs.NodejsFunction;
  /** The traffic shift. */
  readonly deploymentGroup: codedeploy.LambdaDeploymentGroup;
  private readonly functionRole: iam.Role;
  private readonly settingKeys = new Set(['ENGINE', 'APP_VERSION', 'FAILURE_RATE', 'FAULT_MODE']);

  constructor(scope: Construct, id: string, props: ServerlessServiceProps) {
    super(scope, id);
    const { config, key } = props;
    const names = serverlessNames(config);
    const { throttle, rollback, deploymentConfig } = config.serverless;
    const period = Duration.seconds(rollback.periodSeconds);

    this.logs = new ServiceLogGroup(this, 'Logs', {
      logGroupName: names.logGroup,
      key,
      retention: props.logRetention,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The service in Lambda mode: writes its log; reads the database secret where there is one',
    });
    this.logs.logGroup.grantWrite(role);
    this.functionRole = role;
    if (props.vpc !== undefined) {
      // What Lambda needs to attach the function to the VPC (CDK adds it only to a role it creates).
      role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'The network-interface actions Lambda needs to place the function in the VPC, maintained by AWS',
      });
    }
    const bundle = serviceLambdaBundle();
    this.function = new lambda.Function(this, 'Function', {
      functionName: names.functionName,
      description: `${config.appName} service ${bundle.version} (Lambda mode)`,
      code: serviceLambdaCode(),
      handler: 'index.handler',
      runtime: ESTATE_LAMBDA_RUNTIME,
      architecture: ESTATE_LAMBDA_ARCHITECTURE,
      memorySize: props.memoryMb,
      // /store gives up on the database after 2 s; anything slower is a fault, not a slow answer.
      timeout: Duration.seconds(10),
      role,
      logGroup: this.logs.logGroup,
      environment: {
        ENGINE: 'lambda',
        APP_VERSION: bundle.version,
        FAILURE_RATE: '0',
        ...(config.serverless.faultMode === undefined ? {} : { FAULT_MODE: config.serverless.faultMode }),
      },
      ...(props.vpc === undefined
        ? {}
        : {
            vpc: props.vpc,
            vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            // SSM and the cluster are the only calls it makes, both on the VPC.
            allowPublicSubnet: false,
          }),
    });
    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: names.aliasName,
      version: this.function.currentVersion,
      ...(props.provisionedConcurrency > 0
        ? { provisionedConcurrentExecutions: props.provisionedConcurrency }
        : {}),
    });

    const accessLogs = new ServiceLogGroup(this, 'AccessLogs', {
      logGroupName: names.accessLogGroup,
      key,
      retention: props.logRetention,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: names.functionName,
      description: `${config.appName} service, Lambda mode`,
      defaultIntegration: new HttpLambdaIntegration('Service', this.alias, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs.logGroup),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    this.domains = new ApiDomains(this, 'Domains', {
      domain: new EngineDomain(this, 'Domain', {
        config,
        endpoint: { engine: 'serverless', region: Stack.of(this).region as AwsRegion },
      }),
      appName: trafficNames(config).app,
      api: this.api,
      stage: this.stage,
    });

    this.rollbackAlarms = new RollbackAlarms(this, 'RollbackAlarms', {
      // 5xx of the stage: the service's own 500s and the API's 502/503/504 when the function fails.
      http5xx: this.stage.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
      logGroup: this.logs.logGroup,
      metricNamespace: names.metricNamespace,
      http5xxThreshold: rollback.http5xxThreshold,
      failureRecordThreshold: rollback.failureRecordThreshold,
      period,
      topic: props.topic,
    });
    // The version being deployed, as the alias runs it: one error of it (an init that throws, a handler
    // that rejects) is enough, before the canary's share of 5xx could reach the threshold. Written out
    // because Version.metricErrors() puts `name:version` in FunctionName, a series Lambda never
    // publishes (aws-cdk#14248); ExecutedVersion exists only on invocations through an alias.
    const { functionName } = this.function;
    const newVersionErrors = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensionsMap: {
        FunctionName: functionName,
        Resource: `${functionName}:${names.aliasName}`,
        ExecutedVersion: this.function.currentVersion.version,
      },
      period,
      statistic: cloudwatch.Stats.SUM,
    });
    this.newVersionErrors = new cloudwatch.Alarm(this, 'NewVersionErrors', {
      alarmDescription: 'Deployment rollback: the new version of the function failed an invocation',
      metric: newVersionErrors,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.newVersionErrors.addAlarmAction(new actions.SnsAction(props.topic));

    const hookRole = new iam.Role(this, 'PreTrafficHookRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Calls the new version of the service and reports to CodeDeploy',
    });
    this.preTrafficHook = estateFunction(this, 'PreTrafficHook', {
      entry: HOOK_ENTRY,
      description: 'Calls the new version on /, /health and /info before it takes traffic',
      // A cold start of the new version plus three calls; CodeDeploy waits up to an hour for the report.
      timeout: Duration.minutes(1),
      memorySize: 256,
      role: hookRole,
      key,
      logRetention: props.logRetention,
      environment: { TARGET_FUNCTION_ARN: this.function.currentVersion.functionArn },
    });
    this.function.currentVersion.grantInvoke(hookRole);

    this.deploymentGroup = new codedeploy.LambdaDeploymentGroup(this, 'TrafficShift', {
      application: new codedeploy.LambdaApplication(this, 'Application', {
        applicationName: names.application,
      }),
      deploymentGroupName: names.deploymentGroup,
      alias: this.alias,
      deploymentConfig: DEPLOYMENT_CONFIGS[deploymentConfig],
      alarms: [...this.rollbackAlarms.alarms, this.newVersionErrors],
      preHook: this.preTrafficHook,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    this.acknowledge();
  }

  /** A setting of the service, as a variable of the function's environment (a new version). */
  addValue(key: string, value: string): void {
    checkSetting(this, key, value, this.settingKeys.has(key));
    this.settingKeys.add(key);
    this.function.addEnvironment(key, value);
  }

  allowDatabaseSecret(secret: DatabaseSecretAccess): void {
    grantDatabaseSecret(this.functionRole, secret);
  }

  allowDatabaseHost(parameterName: string): void {
    grantDatabaseHost(this.functionRole, parameterName);
  }

  allowDrainSwitch(parameterName: string): void {
    grantDrainSwitch(this.functionRole, parameterName);
  }

  private acknowledge(): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'A public hello-world service: every route is meant to be called without credentials',
    });
    Validations.of(this.deploymentGroup.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        'The policy AWS maintains for CodeDeploy on Lambda: read and move the alias, read the alarms, nothing else',
    });
    const stack = Stack.of(this);
    const hookId = stack.getLogicalId(this.preTrafficHook.node.defaultChild as lambda.CfnFunction);
    Validations.of(this.deploymentGroup.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${hookId}.Arn>:*]`,
      reason: 'CodeDeploy invokes any version of the one pre-traffic hook function (a grant CDK makes)',
    });
  }
}
