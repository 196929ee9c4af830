import { Duration, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  type AwsRegion,
  type EstateConfig,
  type ProfileSettings,
  parameterName,
} from '../../../../config/index.ts';
import { releaseNames } from '../../delivery/release-names.ts';
import { PublishedParameters } from '../../foundation/published-parameters.ts';
import { goldenImageNames } from '../../images/golden-image-names.ts';
import { GoldenImageParameter } from '../../images/golden-image-parameter.ts';
import { EngineDomain } from '../../traffic/engine-domain.ts';
import { balancer5xxMetric, RollbackAlarms } from '../rollback-alarms.ts';
import { ServiceLoadBalancer } from '../service-load-balancer.ts';
import { ServiceLogGroup } from '../service-log-group.ts';
import { ServiceSettings } from '../service-settings.ts';
import { ArtifactBucket } from './artifact-bucket.ts';
import { ServiceInstanceRole } from './service-instance-role.ts';
import { ServiceLaunchTemplate } from './service-launch-template.ts';

/** The EC2 engines. */
export type Ec2Engine = 'fleet' | 'asg';

/** The names an EC2 engine's instances and revision rely on (the revision's contract). */
export function ec2EngineNames(config: Pick<EstateConfig, 'appName'>, engine: Ec2Engine) {
  const app = config.appName.toLowerCase();
  return {
    settingsParameter: `/${app}/${engine}/settings`,
    logGroup: `/${app}/${engine}/service`,
    metricNamespace: `${config.appName}/${engine}`,
    application: `${config.appName}-${engine}`,
    inPlaceGroup: `${config.appName}-${engine}-in-place`,
    blueGreenGroup: `${config.appName}-${engine}-blue-green`,
    /** The tag CodeDeploy selects standalone instances by. */
    instanceTag: [`${app}:engine`, engine] as const,
  };
}

/** Props of {@link Ec2Service}. */
export interface Ec2ServiceProps {
  /** Which engine. */
  readonly engine: Ec2Engine;
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The region (the stack's, typed). */
  readonly region: AwsRegion;
  /** Sizes of the profile. */
  readonly profile: ProfileSettings;
  /** The region's VPC (from its foundation). */
  readonly vpc: ec2.IVpc;
  /** The region's estate key. */
  readonly key: kms.Key;
  /** The region's access-log bucket. */
  readonly accessLogs: s3.IBucket;
  /** The region's alarm topic. */
  readonly topic: sns.ITopic;
}

/** What an {@link Ec2Service} is built on from its region's foundation (a FoundationStack has it). */
export interface Ec2ServiceFoundation {
  /** The region's network. */
  readonly network: { readonly vpc: ec2.IVpc };
  /** The region's estate key. */
  readonly key: { readonly key: kms.Key };
  /** The region's access-log bucket. */
  readonly accessLogs: { readonly bucket: s3.IBucket };
  /** The region's alarm topic. */
  readonly alarms: { readonly topic: sns.ITopic };
}

/** Where an {@link Ec2Service} lives: the topology, the region and the profile (an EstateStack has them). */
export interface Ec2ServiceHost {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The region. */
  readonly site: { readonly region: AwsRegion };
  /** Sizes of the profile. */
  readonly profile: ProfileSettings;
}

/** Props of the engine's {@link Ec2Service} in the host's region, on that region's foundation. */
export function ec2ServiceProps(
  host: Ec2ServiceHost,
  engine: Ec2Engine,
  foundation: Ec2ServiceFoundation,
): Ec2ServiceProps {
  return {
    engine,
    config: host.config,
    region: host.site.region,
    profile: host.profile,
    vpc: foundation.network.vpc,
    key: foundation.key.key,
    accessLogs: foundation.accessLogs.bucket,
    topic: foundation.alarms.topic,
  };
}

/**
 * What both EC2 engines have in a region before any instance exists: settings, log group, artifact
 * bucket, load balancer, instance role, launch template, rollback alarms and the CodeDeploy application,
 * with the names other stacks and the operator tool read published in SSM.
 */
export class Ec2Service extends Construct {
  /** `/hello/<engine>/settings`. */
  readonly settings: ServiceSettings;
  /** `/hello/<engine>/service`. */
  readonly logs: ServiceLogGroup;
  /** Where revisions wait. */
  readonly artifacts: ArtifactBucket;
  /** The certificate and the record of the engine's own name in the region. */
  readonly domain: EngineDomain;
  /** ALB, listener, target group, security groups. */
  readonly balancer: ServiceLoadBalancer;
  /** The instances' role. */
  readonly role: ServiceInstanceRole;
  /** The one launch template of the engine. */
  readonly launchTemplate: ServiceLaunchTemplate;
  /** The alarms that roll deployments back. */
  readonly rollbackAlarms: RollbackAlarms;
  /** The CodeDeploy application every group of the engine belongs to. */
  readonly application: codedeploy.ServerApplication;

  constructor(scope: Construct, id: string, props: Ec2ServiceProps) {
    super(scope, id);
    const { config, engine, region } = props;
    const { account } = Stack.of(this);
    const names = ec2EngineNames(config, engine);
    const deployment = config.ec2.deployment;

    this.settings = new ServiceSettings(this, 'Settings', {
      parameterName: names.settingsParameter,
      values: { FAILURE_RATE: '0' },
    });
    this.logs = new ServiceLogGroup(this, 'Logs', {
      logGroupName: names.logGroup,
      key: props.key,
      retention: props.profile.logRetentionDays as RetentionDays,
    });
    const bucketName = `${config.appName.toLowerCase()}-${engine}-artifacts-${account}-${region}`;
    this.artifacts = new ArtifactBucket(this, 'Artifacts', {
      bucketName,
      key: props.key,
      accessLogs: props.accessLogs,
    });
    this.domain = new EngineDomain(this, 'Domain', { config, endpoint: { engine, region } });
    this.balancer = new ServiceLoadBalancer(this, 'Balancer', {
      vpc: props.vpc,
      accessLogs: props.accessLogs,
      accessLogPrefix: `alb/${engine}`,
      deregistrationDelay: Duration.seconds(deployment.deregistrationDelaySeconds),
      certificate: this.domain.certificate,
    });
    this.domain.route(new LoadBalancerTarget(this.balancer.loadBalancer, { evaluateTargetHealth: true }));
    this.role = new ServiceInstanceRole(this, 'InstanceRole', {
      artifacts: this.artifacts.bucket,
      ...(config.features.pipeline
        ? {
            releaseArtifacts: s3.Bucket.fromBucketName(
              this,
              'ReleaseArtifacts',
              releaseNames(config, { account, region }).artifactBucket,
            ),
          }
        : {}),
      settings: this.settings.parameter,
      key: props.key,
    });
    // With the golden AMI, the region's `latest` parameter (the base image until the first bake).
    const image = config.features.goldenAmi
      ? new GoldenImageParameter(this, 'Image', {
          parameterName: goldenImageNames(config).latestParameter(region),
          baseImageParameter: config.ec2.amiParameter,
        })
      : undefined;
    this.launchTemplate = new ServiceLaunchTemplate(this, 'LaunchTemplate', {
      engine,
      amiParameter: image?.parameterName ?? config.ec2.amiParameter,
      instanceType: new ec2.InstanceType(props.profile.instanceType),
      role: this.role.role,
      securityGroup: this.balancer.instanceSecurityGroup,
      key: props.key,
      settingsParameterName: names.settingsParameter,
      logGroupName: names.logGroup,
    });
    // Every instance launch resolves the parameter, so it must exist before the first one.
    if (image !== undefined) this.launchTemplate.node.addDependency(image);
    const { rollback } = config.ec2;
    this.rollbackAlarms = new RollbackAlarms(this, 'RollbackAlarms', {
      http5xx: balancer5xxMetric(
        this.balancer.loadBalancer,
        { target: this.balancer.targetGroup },
        Duration.seconds(rollback.periodSeconds),
      ),
      logGroup: this.logs.logGroup,
      metricNamespace: names.metricNamespace,
      http5xxThreshold: rollback.http5xxThreshold,
      failureRecordThreshold: rollback.failureRecordThreshold,
      period: Duration.seconds(rollback.periodSeconds),
      topic: props.topic,
    });
    this.application = new codedeploy.ServerApplication(this, 'Application', {
      applicationName: names.application,
    });

    const published = (leaf: string) => parameterName(config, region, engine, leaf);
    new PublishedParameters(this, 'Parameters', {
      values: {
        [published('artifact-bucket')]: bucketName,
        [published('load-balancer-dns')]: this.balancer.loadBalancer.loadBalancerDnsName,
        [published('application')]: names.application,
      },
    });
  }
}
