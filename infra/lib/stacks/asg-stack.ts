import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import { AutoScalingFleet } from '../constructs/engines/ec2/auto-scaling-fleet.ts';
import { ServerDeployment } from '../constructs/engines/ec2/codedeploy-server.ts';
import { CpuStressDocument } from '../constructs/engines/ec2/cpu-stress-document.ts';
import { Ec2Service, ec2EngineNames, ec2ServiceProps } from '../constructs/engines/ec2/ec2-service.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/**
 * The `asg` engine of one region: an Auto Scaling group behind an ALB that scales on a schedule and on
 * CPU, heals on ELB health, deploys in place with CodeDeploy (launch and termination hooks included) and
 * rolls back on alarms; plus the CPU stress document that rehearses the scaling.
 */
export class AsgStack extends EstateStack {
  /** What the ASG shares with the fleet engine. */
  readonly service: Ec2Service;
  /** The Auto Scaling group. */
  readonly fleet: AutoScalingFleet;
  /** The in-place group on it. */
  readonly inPlace: ServerDeployment;
  /** The stress document. */
  readonly stress: CpuStressDocument;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Asg',
      description: 'Auto Scaling group behind an ALB, scheduled and CPU scaling, CodeDeploy in-place',
    });
    const { config, foundation, site } = props;
    const names = ec2EngineNames(config, 'asg');
    const { asg, deployment } = config.ec2;
    this.service = new Ec2Service(this, 'Service', ec2ServiceProps(this, 'asg', foundation));
    const { targetGroup } = this.service.balancer;
    this.fleet = new AutoScalingFleet(this, 'Fleet', {
      vpc: foundation.network.vpc,
      launchTemplate: this.service.launchTemplate.launchTemplate,
      key: foundation.key.key,
      targetGroup,
      ...asg,
      timeZone: config.scheduling.timeZone,
      healthCheckGrace: Duration.seconds(asg.healthCheckGraceSeconds),
    });
    this.inPlace = new ServerDeployment(this, 'InPlace', {
      application: this.service.application,
      deploymentGroupName: names.inPlaceGroup,
      target: { autoScalingGroup: this.fleet.group },
      targetGroup,
      alarms: this.service.rollbackAlarms.alarms,
      deploymentConfig: deployment.config,
      customMinimumHealthyPercent: deployment.customMinimumHealthyPercent,
      outdatedInstances: deployment.outdatedInstances,
      suspendScaling: deployment.suspendScaling,
    });
    this.stress = new CpuStressDocument(this, 'CpuStress');
    new PublishedParameters(this, 'Parameters', {
      values: {
        [parameterName(config, site.region, 'asg', 'cpu-stress-document')]: this.stress.document.ref,
      },
    });
  }
}
