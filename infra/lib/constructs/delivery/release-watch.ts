import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Props of {@link ReleaseWatch}. */
export interface ReleaseWatchProps {
  /** Deterministic name: the pipeline's stage conditions name it from another region. */
  readonly alarmName: string;
  /** Every alarm that rolls a deployment back in the region (the engines' rollback alarms). */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The region's alarm topic. */
  readonly topic: sns.ITopic;
}

/**
 * One alarm per region that is in ALARM while any of the region's rollback alarms is (CICD-10): what a
 * wave's stage conditions watch through its bake. One composite rather than a rule per alarm because a
 * CloudWatchAlarm rule names one alarm, and the engines' alarms have generated names that the pipeline,
 * in another region, could not know; more alarms (the canaries') join it without touching the pipeline.
 */
export class ReleaseWatch extends Construct {
  readonly alarm: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: ReleaseWatchProps) {
    super(scope, id);
    if (props.alarms.length === 0)
      throw new Error(`${this.node.path}: a release watch needs at least one alarm`);
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Alarm', {
      compositeAlarmName: props.alarmName,
      alarmDescription:
        'Release watch: an engine of the region rolls back; the pipeline stops and rolls back too',
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...props.alarms.map((alarm) => cloudwatch.AlarmRule.fromAlarm(alarm, cloudwatch.AlarmState.ALARM)),
      ),
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}
