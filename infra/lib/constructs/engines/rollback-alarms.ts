import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The service's failure record: `formatRequestLogLine` (service/src/log.ts) writes `"outcome":"failure"`
 * on every request the fault switch failed. A JSON pattern, not a term: a path or a version that
 * contains the word "failure" must not count.
 */
export const FAILURE_RECORD_PATTERN = logs.FilterPattern.stringValue('$.outcome', '=', 'failure');

/**
 * 5xx responses per period of a balancer and its target groups together: a 502/503 of the balancer (no
 * healthy target, a target that reset) is as much what a user of a broken release sees as a 500. The
 * target groups are named by their metric ids (`target`, or `blue` and `green`).
 */
export function balancer5xxMetric(
  loadBalancer: elbv2.ApplicationLoadBalancer,
  targetGroups: Readonly<Record<string, elbv2.ApplicationTargetGroup>>,
  period: Duration,
): cloudwatch.IMetric {
  const sum = { period, statistic: cloudwatch.Stats.SUM };
  const usingMetrics: Record<string, cloudwatch.IMetric> = {
    elb: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, sum),
  };
  for (const [id, group] of Object.entries(targetGroups)) {
    usingMetrics[id] = group.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, sum);
  }
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    period,
    label: '5xx responses',
  });
}

/** Props of {@link RollbackAlarms}. */
export interface RollbackAlarmsProps {
  /** 5xx responses per period, as the engine's users see them (its balancer's, its API's). */
  readonly http5xx: cloudwatch.IMetric;
  /** The service's log group. */
  readonly logGroup: logs.ILogGroup;
  /** Namespace of the failure-count metric, one per engine. */
  readonly metricNamespace: string;
  /** 5xx responses (balancer + targets) per period that stop a deployment. */
  readonly http5xxThreshold: number;
  /** Failure records per period that stop a deployment. */
  readonly failureRecordThreshold: number;
  /** Alarm period. */
  readonly period: Duration;
  /** The region's alarm topic: people hear about a rollback too. */
  readonly topic: sns.ITopic;
}

/**
 * The two alarms CodeDeploy polls during a deployment (CICD-6, CICD-7): either in ALARM stops the
 * deployment and rolls it back. Both also notify the alarm topic. Missing data is not breaching: an idle
 * service between deployments must not block the next one.
 */
export class RollbackAlarms extends Construct {
  /** 5xx responses of the engine. */
  readonly http5xx: cloudwatch.Alarm;
  /** Failure records in the service's log. */
  readonly failureRecords: cloudwatch.Alarm;
  /** The metric filter counting failure records. */
  readonly failureFilter: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);
    const sum = { period: props.period, statistic: cloudwatch.Stats.SUM };
    this.http5xx = new cloudwatch.Alarm(this, 'Http5xx', {
      alarmDescription: `Deployment rollback: ${props.http5xxThreshold}+ 5xx responses in ${props.period.toSeconds()} s`,
      metric: props.http5xx,
      threshold: props.http5xxThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failureFilter = new logs.MetricFilter(this, 'FailureFilter', {
      logGroup: props.logGroup,
      filterPattern: FAILURE_RECORD_PATTERN,
      metricNamespace: props.metricNamespace,
      metricName: 'FailureRecords',
      metricValue: '1',
      defaultValue: 0,
    });
    this.failureRecords = new cloudwatch.Alarm(this, 'FailureRecords', {
      alarmDescription: `Deployment rollback: ${props.failureRecordThreshold}+ failure records in ${props.period.toSeconds()} s`,
      metric: this.failureFilter.metric(sum),
      threshold: props.failureRecordThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const notify = new actions.SnsAction(props.topic);
    for (const alarm of [this.http5xx, this.failureRecords]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }

  /** Both alarms, in the order deployment groups list them. */
  get alarms(): cloudwatch.IAlarm[] {
    return [this.http5xx, this.failureRecords];
  }
}
