import type { Construct } from 'constructs';
import type { EstateConfig, Site } from '../../config/index.ts';
import { BlueGreenDeploymentGroup } from '../constructs/engines/ec2/blue-green-deployment-group.ts';
import { ServerDeployment } from '../constructs/engines/ec2/codedeploy-server.ts';
import { Ec2Service, ec2EngineNames, ec2ServiceProps } from '../constructs/engines/ec2/ec2-service.ts';
import { StandaloneFleet } from '../constructs/engines/ec2/standalone-fleet.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of every engine stack: the topology, the site and its foundation. */
export interface EngineStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region. */
  readonly site: Site;
  /** The foundation of the same site: VPC, key, access-log bucket, alarm topic. */
  readonly foundation: FoundationStack;
}

/**
 * The `fleet` engine (home region): standalone instances behind an ALB, deployed in place with the
 * configured deployment configuration (CICD-4) or blue/green (CICD-5), rolled back by alarms.
 */
export class FleetStack extends EstateStack {
  /** What the fleet shares with the ASG engine. */
  readonly service: Ec2Service;
  /** The instances. */
  readonly fleet: StandaloneFleet;
  /** The in-place group. */
  readonly inPlace: ServerDeployment;
  /** The blue/green group. */
  readonly blueGreen: BlueGreenDeploymentGroup;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Fleet',
      description: 'standalone EC2 fleet behind an ALB, CodeDeploy in-place and blue/green',
    });
    const { config, foundation } = props;
    const names = ec2EngineNames(config, 'fleet');
    const { deployment } = config.ec2;
    this.service = new Ec2Service(this, 'Service', ec2ServiceProps(this, 'fleet', foundation));
    const { targetGroup } = this.service.balancer;
    this.fleet = new StandaloneFleet(this, 'Fleet', {
      vpc: foundation.network.vpc,
      launchTemplate: this.service.launchTemplate.launchTemplate,
      instances: config.ec2.fleetInstances,
      targetGroup,
      deploymentTag: names.instanceTag,
    });
    this.inPlace = new ServerDeployment(this, 'InPlace', {
      application: this.service.application,
      deploymentGroupName: names.inPlaceGroup,
      target: { instanceTag: names.instanceTag },
      targetGroup,
      alarms: this.service.rollbackAlarms.alarms,
      deploymentConfig: deployment.config,
      customMinimumHealthyPercent: deployment.customMinimumHealthyPercent,
      outdatedInstances: deployment.outdatedInstances,
    });
    this.blueGreen = new BlueGreenDeploymentGroup(this, 'BlueGreen', {
      application: this.service.application,
      deploymentGroupName: names.blueGreenGroup,
      serviceRole: this.inPlace.serviceRole,
      deploymentConfig: this.inPlace.group.deploymentConfig,
      instanceTag: names.instanceTag,
      targetGroup,
      alarms: this.service.rollbackAlarms.alarms,
      readyWaitMinutes: deployment.blueGreen.readyWaitMinutes,
      terminationWaitMinutes: deployment.blueGreen.terminationWaitMinutes,
    });
  }
}
