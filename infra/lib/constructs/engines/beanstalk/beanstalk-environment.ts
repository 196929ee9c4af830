import { Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { AwsRegion, EstateConfig } from '../../../../config/index.ts';
import {
  type DatabaseReader,
  type DatabaseSecretAccess,
  grantDatabaseHost,
  grantDatabaseSecret,
} from '../../data/database-access.ts';
import { albHostedZoneId } from '../../traffic/balancer-zones.ts';
import { type DrainSwitchReader, grantDrainSwitch } from '../../traffic/drain-switch.ts';
import { EngineDomain } from '../../traffic/engine-domain.ts';
import { TLS_POLICY } from '../../traffic/https-listener.ts';
import { beanstalkSourceBundle } from '../service-bundles.ts';
import { HEALTH_CHECK_PATH } from '../service-load-balancer.ts';
import { checkSetting, type ServiceSettingsTarget } from '../service-settings.ts';
import { BeanstalkPlatform } from './beanstalk-platform.ts';
import { acknowledgeInstancePolicies, beanstalkServiceRole } from './beanstalk-roles.ts';

/** The names the Beanstalk engine and the operator tool agree on. */
export function beanstalkNames(config: Pick<EstateConfig, 'appName'>) {
  return {
    application: `${config.appName}-beanstalk`,
    environment: `${config.appName}-beanstalk`,
  };
}

/** What {@link placementOptions} places an environment with. */
export interface EnvironmentPlacement {
  /** The region's VPC: instances in its private subnets, the load balancer in its public ones. */
  readonly vpc: ec2.IVpc;
  /** The role Beanstalk acts with (enhanced health, managed updates). */
  readonly serviceRole: iam.IRole;
  /** The instances' profile. */
  readonly instanceProfile: iam.InstanceProfile;
  /** The instances' type. */
  readonly instanceType: string;
  /** The instances' security group. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * The option namespaces that place an environment: private instances (IMDSv2 only) behind a public
 * Application Load Balancer in the region's VPC. Both of the estate's environments take these.
 */
export function placementOptions(placement: EnvironmentPlacement): Record<string, Record<string, string>> {
  const { vpc } = placement;
  const subnets = (type: ec2.SubnetType) => Fn.join(',', vpc.selectSubnets({ subnetType: type }).subnetIds);
  return {
    'aws:ec2:vpc': {
      VPCId: vpc.vpcId,
      Subnets: subnets(ec2.SubnetType.PRIVATE_WITH_EGRESS),
      ELBSubnets: subnets(ec2.SubnetType.PUBLIC),
      ELBScheme: 'public',
      AssociatePublicIpAddress: 'false',
    },
    'aws:elasticbeanstalk:environment': {
      EnvironmentType: 'LoadBalanced',
      LoadBalancerType: 'application',
      ServiceRole: placement.serviceRole.roleArn,
    },
    'aws:autoscaling:launchconfiguration': {
      IamInstanceProfile: placement.instanceProfile.instanceProfileArn,
      InstanceType: placement.instanceType,
      DisableIMDSv1: 'true',
      SecurityGroups: placement.securityGroup.securityGroupId,
    },
  };
}

/**
 * The option namespaces of an environment's logs (streamed to CloudWatch, kept after the environment)
 * and of its managed platform updates (minor ones, Sunday 03:00): both of the estate's environments take these.
 */
export function logAndMaintenanceOptions(logRetentionDays: number): Record<string, Record<string, string>> {
  return {
    'aws:elasticbeanstalk:cloudwatch:logs': {
      StreamLogs: 'true',
      RetentionInDays: String(logRetentionDays),
      DeleteOnTerminate: 'false',
    },
    // Rotated instance logs to Beanstalk's bucket as well: what is left after an instance is replaced.
    'aws:elasticbeanstalk:hostmanager': { LogPublicationControl: 'true' },
    'aws:elasticbeanstalk:managedactions': {
      ManagedActionsEnabled: 'true',
      PreferredStartTime: 'Sun:03:00',
    },
    'aws:elasticbeanstalk:managedactions:platformupdate': { UpdateLevel: 'minor' },
  };
}

/**
 * The option namespaces of an environment's size and of how a new version (and a configuration change
 * that replaces instances) reaches it, from the `beanstalk` section: both of the estate's environments
 * take these.
 */
export function scalingAndDeploymentOptions(
  settings: EstateConfig['beanstalk'],
): Record<string, Record<string, string>> {
  return {
    'aws:autoscaling:asg': {
      MinSize: String(settings.minInstances),
      MaxSize: String(settings.maxInstances),
    },
    'aws:elasticbeanstalk:command': {
      DeploymentPolicy: settings.deploymentPolicy,
      // Rolling policies move half the instances at a time; ignored by the others.
      BatchSizeType: 'Percentage',
      BatchSize: '50',
    },
    ...(settings.deploymentPolicy === 'TrafficSplitting'
      ? {
          'aws:elasticbeanstalk:trafficsplitting': {
            NewVersionPercent: String(settings.trafficSplitting.newVersionPercent),
            EvaluationTime: String(settings.trafficSplitting.evaluationMinutes),
          },
        }
      : {}),
    // Configuration changes that replace instances (a new instance type) go a batch at a time, each
    // batch healthy before the next.
    'aws:autoscaling:updatepolicy:rollingupdate': {
      RollingUpdateEnabled: 'true',
      RollingUpdateType: 'Health',
    },
  };
}

/** The namespace of the environment properties the service reads as its environment variables. */
const ENVIRONMENT_PROPERTIES = 'aws:elasticbeanstalk:application:environment';

/** Props of {@link BeanstalkEnvironment}. */
export interface BeanstalkEnvironmentProps {
  /** The validated topology (platform, size, deployment policy). */
  readonly config: EstateConfig;
  /** The region's VPC: instances in its private subnets, the load balancer in its public ones. */
  readonly vpc: ec2.IVpc;
  /** Instance type, from the profile. */
  readonly instanceType: string;
  /** Days Beanstalk keeps the streamed instance logs, from the profile. */
  readonly logRetentionDays: number;
}

/**
 * A load-balanced, highly available Node.js environment (EB-1) running the web-mode bundle: an ALB in the
 * public subnets, instances in the private ones over the region's AZs, IMDSv2 only, enhanced health on
 * `/health`, logs streamed to CloudWatch, managed platform updates; a new application version rolls out
 * by the configured deployment policy (EB-3). The scaling trigger is set by the source bundle's
 * `.ebextensions` (EB-2), so it is deliberately absent here. L1 only: aws-elasticbeanstalk has no L2.
 */
export class BeanstalkEnvironment
  extends Construct
  implements ServiceSettingsTarget, DatabaseReader, DrainSwitchReader
{
  readonly application: elasticbeanstalk.CfnApplication;
  readonly version: elasticbeanstalk.CfnApplicationVersion;
  readonly environment: elasticbeanstalk.CfnEnvironment;
  /** The instances' role. */
  readonly instanceRole: iam.Role;
  /** Added to the instances beside Beanstalk's own group; what the database admits. */
  readonly instanceSecurityGroup: ec2.SecurityGroup;
  /** The version of the service the application version carries. */
  readonly serviceVersion: string;
  /** The certificate and the record of the engine's own name in the region. */
  readonly domain: EngineDomain;
  private readonly properties = new Map<string, string>();

  constructor(scope: Construct, id: string, props: BeanstalkEnvironmentProps) {
    super(scope, id);
    const { config, vpc } = props;
    const names = beanstalkNames(config);
    const settings = config.beanstalk;

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Beanstalk instances: the web tier policy, Session Manager',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSElasticBeanstalkWebTier'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.instanceRole });
    const serviceRole = beanstalkServiceRole(
      this,
      'Beanstalk: enhanced health and managed platform updates of the environment',
    );
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc,
      description: 'Beanstalk instances: no inbound of its own (Beanstalk admits its load balancer)',
      allowAllOutbound: true,
    });

    const bundle = beanstalkSourceBundle();
    this.serviceVersion = bundle.version;
    const source = new s3assets.Asset(this, 'SourceBundle', { path: bundle.directory });
    this.application = new elasticbeanstalk.CfnApplication(this, 'Application', {
      applicationName: names.application,
      description: `${config.appName} service, web mode`,
    });
    this.version = new elasticbeanstalk.CfnApplicationVersion(this, 'Version', {
      applicationName: names.application,
      description: `${config.appName} service ${bundle.version}`,
      sourceBundle: { s3Bucket: source.s3BucketName, s3Key: source.s3ObjectKey },
    });
    this.version.addResourceDependency(this.application);

    // APP_VERSION comes with the bundle (its .ebextensions): set here, it would win over every bundle
    // the pipeline deploys later.
    for (const [key, value] of Object.entries({ ENGINE: 'beanstalk', FAILURE_RATE: '0' }))
      this.addValue(key, value);
    const region = Stack.of(this).region as AwsRegion;
    this.domain = new EngineDomain(this, 'Domain', { config, endpoint: { engine: 'beanstalk', region } });
    const options: Record<string, Record<string, string>> = {
      ...placementOptions({
        vpc,
        serviceRole,
        instanceProfile,
        instanceType: props.instanceType,
        securityGroup: this.instanceSecurityGroup,
      }),
      ...scalingAndDeploymentOptions(settings),
      // SEC-1: HTTPS on 443; the bundle's .ebextensions turn port 80 into a redirect (no option does).
      'aws:elbv2:listener:443': {
        ListenerEnabled: 'true',
        Protocol: 'HTTPS',
        SSLCertificateArns: this.domain.certificate.certificateArn,
        SSLPolicy: TLS_POLICY,
      },
      'aws:elasticbeanstalk:healthreporting:system': { SystemType: 'enhanced' },
      'aws:elasticbeanstalk:environment:process:default': {
        HealthCheckPath: HEALTH_CHECK_PATH,
        MatcherHTTPCode: '200',
      },
      ...logAndMaintenanceOptions(props.logRetentionDays),
    };
    this.environment = new elasticbeanstalk.CfnEnvironment(this, 'Environment', {
      applicationName: names.application,
      environmentName: names.environment,
      description: `${config.appName} service, web mode behind an ALB`,
      platformArn: new BeanstalkPlatform(this, 'Platform', { branch: settings.platformBranch }).platformArn,
      tier: { name: 'WebServer', type: 'Standard' },
      versionLabel: this.version.ref,
      optionSettings: Lazy.any({
        produce: () => [
          ...Object.entries(options).flatMap(([namespace, values]) =>
            Object.entries(values).map(([optionName, value]) => ({ namespace, optionName, value })),
          ),
          ...[...this.properties].map(([optionName, value]) => ({
            namespace: ENVIRONMENT_PROPERTIES,
            optionName,
            value,
          })),
        ],
      }),
    });
    this.environment.addResourceDependency(this.application);
    // EndpointURL is the environment's balancer, which Beanstalk creates outside the template.
    this.domain.route({
      bind: () => ({
        dnsName: this.environment.attrEndpointUrl,
        hostedZoneId: albHostedZoneId(region),
        evaluateTargetHealth: true,
      }),
    });
    this.acknowledge();
  }

  /** A setting of the service, as an environment property (applied to the instances by an update). */
  addValue(key: string, value: string): void {
    checkSetting(this, key, value, this.properties.has(key));
    this.properties.set(key, value);
  }

  allowDatabaseSecret(secret: DatabaseSecretAccess): void {
    grantDatabaseSecret(this.instanceRole, secret);
  }

  allowDatabaseHost(parameterName: string): void {
    grantDatabaseHost(this.instanceRole, parameterName);
  }

  allowDrainSwitch(parameterName: string): void {
    grantDrainSwitch(this.instanceRole, parameterName);
  }

  private acknowledge(): void {
    acknowledgeInstancePolicies(this.instanceRole);
  }
}
