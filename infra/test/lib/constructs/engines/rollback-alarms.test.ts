import { describe, expect, it } from 'vitest';
import { formatRequestLogLine, type RequestLogLine } from '../../../../../service/src/log.ts';
import { estate } from '../../../support/estate.ts';
import { only, props, resources } from '../../stacks/ec2-template.ts';

/**
 * Evaluates the CloudWatch Logs JSON filter patterns this estate uses, `{ $.a.b = "value" }` and
 * `{ $.a != "value" }` (one comparison, string value), against one log event. Anything else throws,
 * so a pattern this evaluator does not understand fails the test instead of passing it.
 */
function matches(pattern: string, event: string): boolean {
  const parsed = /^\{\s*\$\.([A-Za-z0-9_.]+)\s*(=|!=)\s*"([^"]*)"\s*\}$/.exec(pattern.trim());
  if (parsed === null) throw new Error(`unsupported filter pattern: ${pattern}`);
  const [, path = '', operator, expected] = parsed;
  let json: unknown;
  try {
    json = JSON.parse(event);
  } catch {
    return false;
  }
  let value: unknown = json;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value !== 'string') return false;
  return operator === '=' ? value === expected : value !== expected;
}

const line = (overrides: Partial<RequestLogLine>): string =>
  formatRequestLogLine({
    time: '2026-11-27T18:00:00.000Z',
    method: 'GET',
    path: '/',
    status: 200,
    durationMs: 1.25,
    outcome: 'success',
    version: '1.0.0',
    region: 'us-east-1',
    engine: 'asg',
    colour: 'blue',
    ...overrides,
  });

describe('the evaluator of JSON filter patterns', () => {
  it('can say no: a pattern on another value or field does not match', () => {
    const failure = line({ outcome: 'failure', status: 500 });
    expect(matches('{ $.outcome = "success" }', failure)).toBe(false);
    expect(matches('{ $.missing = "failure" }', failure)).toBe(false);
    expect(matches('{ $.outcome != "failure" }', failure)).toBe(false);
    expect(() => matches('failure', failure)).toThrow(/unsupported/);
  });
});

const ENGINES = estate('lab')
  .stacks.filter((s) => /^Hello-(Fleet|Asg)-/.test(s.name))
  .map((s) => s.name);

describe.each(ENGINES)('%s', (name) => {
  const stack = estate('lab').stack(name);
  const json = stack.json;
  const [, filter] = only(json, 'AWS::Logs::MetricFilter');
  const pattern = String(filter.Properties?.FilterPattern);

  it('CICD-7: the metric filter counts a failure line of the service, and not a success line', () => {
    expect(matches(pattern, line({ outcome: 'failure', status: 500 }))).toBe(true);
    expect(matches(pattern, line({ outcome: 'success' }))).toBe(false);
    // The word alone is not a failure record: a successful request for /failure is not one.
    expect(matches(pattern, line({ outcome: 'success', path: '/failure' }))).toBe(false);
  });

  it('CICD-7: counts 1 per failure record, 0 otherwise, and alarms on the sum at the configured threshold', () => {
    const [transformation] = props(filter).MetricTransformations as Record<string, unknown>[];
    expect(transformation).toMatchObject({ MetricValue: '1', DefaultValue: 0, MetricName: 'FailureRecords' });
    const alarm = resources(json, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties?.MetricName === 'FailureRecords',
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      Namespace: transformation?.MetricNamespace,
      Statistic: 'Sum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('CICD-6: both rollback alarms also notify the alarm topic of the region, on alarm and on recovery', () => {
    const alarms = resources(json, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2);
    for (const [id, alarm] of alarms) {
      for (const actions of [alarm.Properties?.AlarmActions, alarm.Properties?.OKActions]) {
        expect(actions, id).toEqual([
          {
            'Fn::GetStackOutput': expect.objectContaining({
              StackName: `Hello-Foundation-${stack.region}`,
              OutputName: expect.stringMatching(/AlarmsTopic/),
            }),
          },
        ]);
      }
    }
  });

  it('CICD-6: the in-place group of the engine rolls back when either alarm fires', () => {
    const [, group] = only(json, 'AWS::CodeDeploy::DeploymentGroup');
    const alarmIds = resources(json, 'AWS::CloudWatch::Alarm').map(([id]) => ({ Name: { Ref: id } }));
    expect(group.Properties?.AlarmConfiguration).toEqual({ Enabled: true, Alarms: alarmIds });
    expect(group.Properties?.AutoRollbackConfiguration).toEqual({
      Enabled: true,
      Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
  });
});
