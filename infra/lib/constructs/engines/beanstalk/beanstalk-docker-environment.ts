import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { AwsRegion, EstateConfig } from '../../../../config/index.ts';
import { albHostedZoneId } from '../../traffic/balancer-zones.ts';
import { TLS_POLICY } from '../../traffic/https-listener.ts';
import { ZoneReference } from '../../traffic/zone.ts';
import { HEALTH_CHECK_PATH } from '../service-load-balancer.ts';
import {
  logAndMaintenanceOptions,
  placementOptions,
  scalingAndDeploymentOptions,
} from './beanstalk-environment.ts';
import { BeanstalkPlatform } from './beanstalk-platform.ts';
import {
  acknowledgeInstancePolicies,
  beanstalkServiceRole,
  managedPolicyFinding,
} from './beanstalk-roles.ts';
import { beanstalkDockerNames, DOCKER_PLATFORM_BRANCH } from './dockerrun.ts';
import { environmentHealthAlarm } from './environment-health-alarm.ts';

/** Props of {@link BeanstalkDockerEnvironment}. */
export interface BeanstalkDockerEnvironmentProps {
  /** The validated topology (`beanstalk.docker`, the sizes and deployment policy of `beanstalk`). */
  readonly config: EstateConfig;
  /** The region's VPC: instances in its private subnets, the load balancer in its public ones. */
  readonly vpc: ec2.IVpc;
  /** The region's estate key (the container's log group). */
  readonly key: kms.IKey;
  /** `hello/service`, replicated into this region by the home registry. */
  readonly repositoryName: string;
  /** Days the container's and the instances' logs are kept, from the profile. */
  readonly logRetentionDays: number;
}

/**
 * The service's image on Elastic Beanstalk's ECS-based Docker platform (ECS-4): a load-balanced
 * environment on the branch's recommended version (looked up at deploy time, like the Node.js one), its
 * Graviton instances pulling `hello/service` from the region's replica, HTTPS only on 443, enhanced health
 * on `/health`, the container's output in an encrypted log group.
 *
 * The template names no application version: the environment starts with the platform's sample
 * application and only the pipeline deploys the image (a bundle holding Dockerrun.aws.json, the image at
 * the released tag). So a later `cdk deploy` never takes a release back, and no image has to exist
 * before the first release.
 */
export class BeanstalkDockerEnvironment extends Construct {
  readonly application: elasticbeanstalk.CfnApplication;
  readonly environment: elasticbeanstalk.CfnEnvironment;
  /** The instances' role: the ECS agent's rights, the replica's pull, the log group's writes. */
  readonly instanceRole: iam.Role;
  /** The container's log group, named in the Dockerrun. */
  readonly logGroup: logs.LogGroup;
  /** The certificate of the environment's own name. */
  readonly certificate: acm.Certificate;
  /** Degraded or severe: what rolls the pipeline's Docker stage back. */
  readonly healthAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BeanstalkDockerEnvironmentProps) {
    super(scope, id);
    const { config, vpc } = props;
    const docker = config.beanstalk.docker;
    if (docker === undefined) throw new Error('beanstalk.docker is not configured');
    const stack = Stack.of(this);
    const region = stack.region as AwsRegion;
    const names = beanstalkDockerNames(config, region);
    const settings = config.beanstalk;

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Beanstalk Docker instances: the ECS agent, the image pull, Session Manager',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSElasticBeanstalkWebTier'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSElasticBeanstalkMulticontainerDocker'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    const replica = ecr.Repository.fromRepositoryAttributes(this, 'Images', {
      repositoryName: props.repositoryName,
      repositoryArn: stack.formatArn({
        service: 'ecr',
        resource: 'repository',
        resourceName: props.repositoryName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    });
    replica.grantPull(this.instanceRole);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: names.logGroup,
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup.grantWrite(this.instanceRole);
    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.instanceRole });
    const serviceRole = beanstalkServiceRole(
      this,
      'Beanstalk: enhanced health and managed platform updates of the Docker environment',
    );
    const instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc,
      description: 'Beanstalk Docker instances: no inbound of its own (Beanstalk admits its load balancer)',
      allowAllOutbound: true,
    });

    const zone = new ZoneReference(this, 'Zone', { config }).zone;
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: names.domainName,
      validation: acm.CertificateValidation.fromDns(zone),
    });

    this.application = new elasticbeanstalk.CfnApplication(this, 'Application', {
      applicationName: names.application,
      description: `${config.appName} service image on the ECS-based Docker platform`,
    });
    const options: Record<string, Record<string, string>> = {
      ...placementOptions({
        vpc,
        serviceRole,
        instanceProfile,
        instanceType: docker.instanceType,
        securityGroup: instanceSecurityGroup,
      }),
      ...scalingAndDeploymentOptions(settings),
      // SEC-1: HTTPS on 443 only. No bundle of ours carries .ebextensions here (the sample application
      // runs first), so port 80 is closed rather than redirected.
      'aws:elbv2:listener:default': { ListenerEnabled: 'false' },
      'aws:elbv2:listener:443': {
        ListenerEnabled: 'true',
        Protocol: 'HTTPS',
        SSLCertificateArns: this.certificate.certificateArn,
        SSLPolicy: TLS_POLICY,
      },
      'aws:elasticbeanstalk:healthreporting:system': { SystemType: 'enhanced' },
      'aws:elasticbeanstalk:environment:process:default': {
        Port: '80',
        Protocol: 'HTTP',
        HealthCheckPath: HEALTH_CHECK_PATH,
        MatcherHTTPCode: '200',
      },
      ...logAndMaintenanceOptions(props.logRetentionDays),
    };
    this.environment = new elasticbeanstalk.CfnEnvironment(this, 'Environment', {
      applicationName: names.application,
      environmentName: names.environment,
      description: `${config.appName} service image (Dockerrun v2) behind an ALB`,
      platformArn: new BeanstalkPlatform(this, 'Platform', { branch: DOCKER_PLATFORM_BRANCH }).platformArn,
      tier: { name: 'WebServer', type: 'Standard' },
      optionSettings: Object.entries(options).flatMap(([namespace, values]) =>
        Object.entries(values).map(([optionName, value]) => ({ namespace, optionName, value })),
      ),
    });
    this.environment.addResourceDependency(this.application);
    new route53.ARecord(this, 'Record', {
      zone,
      recordName: names.domainName,
      target: route53.RecordTarget.fromAlias({
        bind: () => ({
          dnsName: this.environment.attrEndpointUrl,
          hostedZoneId: albHostedZoneId(region),
          evaluateTargetHealth: true,
        }),
      }),
    });
    // Its own alarm, not the region's release watch: until the first release the sample application
    // fails the /health check, which must not roll back the region's other engines.
    this.healthAlarm = environmentHealthAlarm(this, 'Health', {
      alarmName: names.healthAlarm,
      alarmDescription: 'The Beanstalk Docker environment is degraded or severe (enhanced health: 20, 25)',
      environmentName: names.environment,
    });
    this.acknowledge();
  }

  private acknowledge(): void {
    acknowledgeInstancePolicies(
      this.instanceRole,
      {
        id: managedPolicyFinding('AWSElasticBeanstalkMulticontainerDocker'),
        reason:
          "The ECS agent's rights on the environment's cluster, which Beanstalk creates and names itself, maintained by AWS",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken (the image pull) has no resource to scope to',
      },
    );
  }
}
