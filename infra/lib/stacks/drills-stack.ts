import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import { clusterArnOf, GameDays } from '../constructs/recovery/game-days.ts';
import { drainParameterName } from '../constructs/traffic/drain-switch.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

// Long enough for health checks, Auto Scaling and the ECS scheduler to act and the watch to see answers
// come back; short enough that a stopped instance or a cut subnet does not outlast the game day.
const FAULT_DURATION = 'PT10M';

/** Props of {@link DrillsStack}. */
export interface DrillsStackProps extends EngineStackProps {
  /** The engines' 5xx alarms of the region: any firing stops a drill (none: only region-dns is possible). */
  readonly stopAlarms: readonly cloudwatch.IAlarm[];
  /**
   * The name of the region's user-path canary alarm, when it has a canary: what stops its region-dns drill,
   * which takes the region out of DNS. Without one the region has no region-dns template.
   */
  readonly userPathAlarm?: string;
  /** The region has Auto Scaling groups of the estate. */
  readonly autoScaling: boolean;
  /** The region holds the primary cluster of the global database. */
  readonly database: boolean;
  /** The region runs the ECS engine. */
  readonly ecs: boolean;
}

/**
 * The game days of one region (OPS-1): FIS experiment templates for what the region runs, stopped by
 * its engines' alarms, and the region taken out of DNS by its drain switch, stopped by its canary.
 */
export class DrillsStack extends EstateStack {
  /** The templates and their role. */
  readonly gameDays: GameDays;

  constructor(scope: Construct, props: DrillsStackProps) {
    super(scope, {
      ...props,
      concern: 'Drills',
      description: 'AWS FIS experiment templates of the game days, stopped by the engines alarms',
    });
    const { config, site, foundation } = props;
    this.gameDays = new GameDays(this, 'GameDays', {
      tag: { key: 'app', value: config.appName },
      stopAlarms: props.stopAlarms,
      key: foundation.key.key,
      duration: FAULT_DURATION,
    });
    const clusterArn = props.database
      ? clusterArnOf(this, `${config.appName.toLowerCase()}-${site.region}`)
      : undefined;
    const [zone] = site.availabilityZones;
    if (props.autoScaling && zone !== undefined) {
      this.gameDays.azPowerInterruption(zone, clusterArn);
      this.gameDays.asgCapacityErrors(site.availabilityZones);
    }
    if (clusterArn !== undefined) this.gameDays.auroraFailover(clusterArn);
    if (props.userPathAlarm !== undefined)
      this.gameDays.regionDns(drainParameterName(config, site.region), [
        cloudwatch.Alarm.fromAlarmName(this, 'UserPathAlarm', props.userPathAlarm),
      ]);
    if (props.ecs) {
      // Read at deploy time from what the ECS stack publishes: no reference, so its template stays as it is.
      const published = (leaf: string) =>
        ssm.StringParameter.valueForStringParameter(this, parameterName(config, site.region, 'ecs', leaf));
      const cluster = published('cluster');
      this.gameDays.ecsTaskStop(
        cluster,
        published('service'),
        this.formatArn({ service: 'ecs', resource: 'cluster', resourceName: cluster }),
      );
    }
  }
}
