import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** Props of {@link environmentHealthAlarm}. */
export interface EnvironmentHealthAlarmProps {
  /** The environment watched. */
  readonly environmentName: string;
  /** What the alarm means to whoever reads it. */
  readonly alarmDescription: string;
  /**
   * Its name.
   * @default - generated
   */
  readonly alarmName?: string;
}

/**
 * An environment degraded or severe for two minutes: enhanced health's EnvironmentHealth is 20 when
 * Degraded and 25 when Severe (a deployment failing its checks). No data (no environment yet) is fine.
 */
export function environmentHealthAlarm(
  scope: Construct,
  id: string,
  props: EnvironmentHealthAlarmProps,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    ...(props.alarmName === undefined ? {} : { alarmName: props.alarmName }),
    alarmDescription: props.alarmDescription,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/ElasticBeanstalk',
      metricName: 'EnvironmentHealth',
      dimensionsMap: { EnvironmentName: props.environmentName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    }),
    threshold: 20,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
