import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callsOf,
  createSandbox,
  prepareInstance,
  scriptsSource,
} from '../../../../../deploy/test/support/sandbox.ts';
import { formatEventLine } from '../../../../../service/src/log.ts';
import { testApp } from '../../../../../service/test/support/app.ts';
import { DEFAULT_CONFIG } from '../../../../config/index.ts';
import { INSTANCE_ENV_FILE } from '../../../../lib/constructs/engines/ec2/service-launch-template.ts';
import { estate, type TemplateJson } from '../../../support/estate.ts';
import { flatten, launchTemplateData, only, props, resources, target } from '../../stacks/ec2-template.ts';

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

/**
 * The value of a metric math expression of `FILL(id, n)`, metric ids and numbers joined by `+`, for
 * the given datapoints (an id absent from `values` has no datapoint). Anything else throws.
 */
function evaluateExpression(expression: string, values: Readonly<Record<string, number>>): number {
  return expression.split('+').reduce((total, term) => {
    const text = term.trim();
    const fill = /^FILL\((\w+),\s*(\d+)\)$/.exec(text);
    if (fill !== null) return total + (values[fill[1] ?? ''] ?? Number(fill[2]));
    if (/^\d+$/.test(text)) return total + Number(text);
    if (/^\w+$/.test(text)) {
      const value = values[text];
      if (value === undefined) return Number.NaN;
      return total + value;
    }
    throw new Error(`unsupported metric math: ${expression}`);
  }, 0);
}

/**
 * A CloudFormation value as the deployed stack would see it, with made-up physical names: a balancer's
 * full name `app/<logical id>/0000`, a target group's `targetgroup/<logical id>/0000`, a listener's ARN
 * under its balancer's name. `Fn::Join`, `Fn::Split` and `Fn::Select` are evaluated; anything else
 * throws, so a test cannot pass on a value it did not read.
 */
function resolve(json: TemplateJson, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') return value;
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    const resource = json.Resources[v.Ref];
    if (resource?.Type === 'AWS::ElasticLoadBalancingV2::Listener') {
      const balancer = target(props(resource).LoadBalancerArn);
      return `arn:aws:elasticloadbalancing:region:account:listener/app/${balancer}/0000/${v.Ref}`;
    }
    return `ref:${v.Ref}`;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    const [id, attribute] = v['Fn::GetAtt'] as [string, string];
    if (attribute === 'LoadBalancerFullName') return `app/${id}/0000`;
    if (attribute === 'TargetGroupFullName') return `targetgroup/${id}/0000`;
    return `${id}.${attribute}`;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(json, part)).join(separator);
  }
  if (Array.isArray(v['Fn::Split'])) {
    const [separator, source] = v['Fn::Split'] as [string, unknown];
    return String(resolve(json, source)).split(separator);
  }
  if (Array.isArray(v['Fn::Select'])) {
    const [index, list] = v['Fn::Select'] as [number, unknown];
    return (resolve(json, list) as unknown[])[index];
  }
  throw new Error(`unsupported CloudFormation value: ${JSON.stringify(value)}`);
}

/** The raw lines the service writes for requests to `/`, with every request failed or none. */
async function serviceLines(failureRate: 0 | 1): Promise<string[]> {
  const lines: string[] = [];
  const { app } = testApp({ settings: { failureRate }, log: (line) => lines.push(line) });
  await app.request('/');
  await app.request('/failure');
  return lines;
}

describe('the evaluators the proofs rely on', () => {
  it('can say no: a pattern on another value or field does not match', async () => {
    const [failure = ''] = await serviceLines(1);
    expect(matches('{ $.outcome = "success" }', failure)).toBe(false);
    expect(matches('{ $.missing = "failure" }', failure)).toBe(false);
    expect(matches('{ $.outcome != "failure" }', failure)).toBe(false);
    expect(() => matches('failure', failure)).toThrow(/unsupported/);
  });

  it('metric math: FILL counts a missing metric as its fill value; a bare missing id makes no number', () => {
    expect(evaluateExpression('FILL(a, 0) + FILL(b, 0)', { a: 1, b: 10 })).toBe(11);
    expect(evaluateExpression('FILL(a, 0) + FILL(b, 0)', { b: 10 })).toBe(10);
    expect(evaluateExpression('a + b', { b: 10 })).toBeNaN();
    expect(() => evaluateExpression('MAX([a, b])', {})).toThrow(/unsupported/);
  });
});

type Rollback = (typeof DEFAULT_CONFIG)['ec2']['rollback'];
type Kind = 'ec2' | 'ecs' | 'serverless';

// Every engine that rolls a deployment back on alarms, with the settings its alarms come from.
const ENGINES: readonly (readonly [string, Kind, Rollback])[] = [
  ...DEFAULT_CONFIG.engines.fleet.regions.map(
    (r) => [`Hello-Fleet-${r}`, 'ec2', DEFAULT_CONFIG.ec2.rollback] as const,
  ),
  ...DEFAULT_CONFIG.engines.asg.regions.map(
    (r) => [`Hello-Asg-${r}`, 'ec2', DEFAULT_CONFIG.ec2.rollback] as const,
  ),
  ...DEFAULT_CONFIG.engines.ecs.regions.map(
    (r) => [`Hello-Ecs-${r}`, 'ecs', DEFAULT_CONFIG.ecs.rollback] as const,
  ),
  ...DEFAULT_CONFIG.engines.serverless.regions.map(
    (r) => [`Hello-Serverless-${r}`, 'serverless', DEFAULT_CONFIG.serverless.rollback] as const,
  ),
];
const PROFILES = ['lab', 'production'] as const;

it.each(PROFILES)(
  'CICD-6, CICD-7: every stack of the %s estate with a log metric filter or a rollback alarm is proven below',
  (profile) => {
    const rollsBack = estate(profile)
      .stacks.filter(
        (s) =>
          resources(s.json, 'AWS::Logs::MetricFilter').length > 0 ||
          resources(s.json, 'AWS::CloudWatch::Alarm').some(([, a]) =>
            String(props(a).AlarmDescription).startsWith('Deployment rollback'),
          ),
      )
      .map((s) => s.name);
    expect(rollsBack.sort()).toEqual(ENGINES.map(([name]) => name).sort());
  },
);

const CASES = PROFILES.flatMap((profile) =>
  ENGINES.map(([name, kind, rollback]) => [profile, name, kind, rollback] as const),
);

describe.each(CASES)('%s %s', (profile, name, kind, rollback) => {
  const stack = estate(profile).stack(name);
  const json = stack.json;
  const [http5xxId, http5xx] = only(json, 'AWS::CloudWatch::Alarm', (a) =>
    /5xx/.test(String(props(a).AlarmDescription)),
  );
  const [, filter] = only(json, 'AWS::Logs::MetricFilter');
  const [transformation = {}] = props(filter).MetricTransformations as Record<string, unknown>[];
  const [failureId, failure] = only(
    json,
    'AWS::CloudWatch::Alarm',
    (a) =>
      props(a).MetricName === transformation.MetricName &&
      props(a).Namespace === transformation.MetricNamespace,
  );
  const logGroupId = target(props(filter).LogGroupName);
  const logGroupName = props(json.Resources[logGroupId ?? '']).LogGroupName;

  it('CICD-6: the 5xx alarm fires at the configured count per configured period, and not on missing data', () => {
    expect(props(http5xx)).toMatchObject({
      Threshold: rollback.http5xxThreshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  if (kind === 'serverless') {
    it("CICD-6: the 5xx alarm counts the 5xx of this engine's HTTP API, at the stage its users call", () => {
      const [apiId] = only(json, 'AWS::ApiGatewayV2::Api');
      const [, stage] = only(json, 'AWS::ApiGatewayV2::Stage');
      expect(target(props(stage).ApiId)).toBe(apiId);
      expect(props(http5xx)).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Statistic: 'Sum',
        Period: rollback.periodSeconds,
      });
      const dimensions = (props(http5xx).Dimensions as { Name: string; Value: unknown }[]).map((d) => [
        d.Name,
        resolve(json, d.Value),
      ]);
      expect(dimensions.sort()).toEqual(
        [
          ['ApiId', `ref:${apiId}`],
          ['Stage', props(stage).StageName],
        ].sort(),
      );
    });
  } else {
    it("CICD-6: the 5xx alarm sums the balancer's own 5xx and the service's 5xx in each of its target groups, once each", () => {
      const [balancerId] = only(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      const groupIds = resources(json, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([id]) => id);
      expect(groupIds.length).toBeGreaterThan(0);
      const metrics = props(http5xx).Metrics as {
        Id: string;
        Expression?: string;
        ReturnData?: boolean;
        MetricStat?: {
          Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] };
          Stat: string;
          Period: number;
        };
      }[];
      const [expression, ...others] = metrics.filter((m) => m.ReturnData !== false);
      expect(others).toEqual([]);
      const stats = metrics.filter((m) => m.MetricStat !== undefined);
      // What each metric is, as `<name> <dimension=value ...>`, by its id in the expression.
      const described = Object.fromEntries(
        stats.map((m) => {
          const stat = m.MetricStat as NonNullable<(typeof m)['MetricStat']>;
          expect([stat.Metric.Namespace, stat.Stat, stat.Period], m.Id).toEqual([
            'AWS/ApplicationELB',
            'Sum',
            rollback.periodSeconds,
          ]);
          const dimensions = stat.Metric.Dimensions.map((d) => `${d.Name}=${String(resolve(json, d.Value))}`);
          return [m.Id, `${stat.Metric.MetricName} ${dimensions.sort().join(' ')}`];
        }),
      );
      const balancer = `LoadBalancer=app/${balancerId}/0000`;
      const wanted = [
        `HTTPCode_ELB_5XX_Count ${balancer}`,
        ...groupIds.map((g) => `HTTPCode_Target_5XX_Count ${balancer} TargetGroup=targetgroup/${g}/0000`),
      ];
      expect(Object.values(described).sort()).toEqual(wanted.sort());
      // Each source counts once, a source without datapoints counts as none: 1, 10, 100, … add up to
      // 11…1 only if every one of them is in the sum exactly once.
      const values = Object.fromEntries(Object.keys(described).map((id, i) => [id, 10 ** i]));
      expect(evaluateExpression(String(expression?.Expression), values)).toBe(
        Number('1'.repeat(stats.length)),
      );
      const [first = '', ...rest] = Object.keys(described);
      expect(evaluateExpression(String(expression?.Expression), { [first]: 3 })).toBe(3);
      expect(rest.length).toBe(groupIds.length);
    });
  }

  it('CICD-7: the failure alarm fires at the configured count of failure records per configured period', () => {
    expect(transformation).toMatchObject({ MetricValue: '1', DefaultValue: 0 });
    expect(props(failure)).toMatchObject({
      Statistic: 'Sum',
      Period: rollback.periodSeconds,
      Threshold: rollback.failureRecordThreshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it("CICD-7: the filter selects the service's failure lines, and none of its success or event lines", async () => {
    const pattern = String(props(filter).FilterPattern);
    const failures = await serviceLines(1);
    const successes = await serviceLines(0);
    expect(failures.length).toBeGreaterThan(0);
    for (const line of failures) expect(matches(pattern, line), line).toBe(true);
    // The second request is for /failure: the word alone does not make a failure record.
    for (const line of successes) expect(matches(pattern, line), line).toBe(false);
    expect(matches(pattern, formatEventLine(0, 'started', { outcome: 'n/a' }))).toBe(false);
  });

  it('CICD-6, CICD-7: a deployment of this engine stops and rolls back when either alarm fires', () => {
    const names = [{ Ref: http5xxId }, { Ref: failureId }];
    const mechanisms: string[] = [];
    for (const [id, group] of resources(json, 'AWS::CodeDeploy::DeploymentGroup')) {
      mechanisms.push(id);
      const configuration = props(group).AlarmConfiguration as {
        Enabled: boolean;
        Alarms: { Name: unknown }[];
      };
      expect(configuration.Enabled, id).toBe(true);
      expect(
        configuration.Alarms.map((a) => a.Name),
        id,
      ).toEqual(expect.arrayContaining(names));
      const rollbackOn = props(group).AutoRollbackConfiguration as { Enabled: boolean; Events: string[] };
      expect(rollbackOn.Enabled, id).toBe(true);
      expect(rollbackOn.Events, id).toContain('DEPLOYMENT_STOP_ON_ALARM');
    }
    for (const [id, group] of resources(json, 'Custom::CodeDeployBlueGreenGroup')) {
      for (const phase of ['Create', 'Update']) {
        mechanisms.push(`${id} ${phase}`);
        const { parameters } = JSON.parse(flatten(props(group)[phase])) as {
          parameters: {
            alarmConfiguration: { enabled: boolean; alarms: { name: string }[] };
            autoRollbackConfiguration: { enabled: boolean; events: string[] };
          };
        };
        expect(parameters.alarmConfiguration.enabled).toBe(true);
        expect(parameters.alarmConfiguration.alarms).toEqual(
          expect.arrayContaining([{ name: `<Ref:${http5xxId}>` }, { name: `<Ref:${failureId}>` }]),
        );
        expect(parameters.autoRollbackConfiguration.enabled).toBe(true);
        expect(parameters.autoRollbackConfiguration.events).toContain('DEPLOYMENT_STOP_ON_ALARM');
      }
    }
    for (const [id, service] of resources(json, 'AWS::ECS::Service')) {
      mechanisms.push(id);
      const deployment = props(service).DeploymentConfiguration as {
        Alarms: { Enable: boolean; Rollback: boolean; AlarmNames: unknown[] };
      };
      expect(deployment.Alarms).toMatchObject({ Enable: true, Rollback: true });
      expect(deployment.Alarms.AlarmNames).toEqual(expect.arrayContaining(names));
    }
    expect(mechanisms.length).toBeGreaterThan(0);
  });

  if (kind === 'ecs') {
    it('CICD-7: the filter reads the group the awslogs driver ships the container output to, in this region', () => {
      const [, task] = only(json, 'AWS::ECS::TaskDefinition');
      const containers = props(task).ContainerDefinitions as {
        LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
      }[];
      expect(containers.length).toBeGreaterThan(0);
      for (const container of containers) {
        expect(container.LogConfiguration.LogDriver).toBe('awslogs');
        expect(target(container.LogConfiguration.Options['awslogs-group'])).toBe(logGroupId);
        expect(container.LogConfiguration.Options['awslogs-region']).toBe(stack.region);
      }
    });
  }

  if (kind === 'serverless') {
    it("CICD-7: the filter reads the function's log group, which receives the service's lines as written", () => {
      const [, fn] = only(json, 'AWS::Lambda::Function', (r) => props(r).FunctionName === 'hello-service');
      const logging = props(fn).LoggingConfig as { LogGroup: unknown; LogFormat?: string };
      expect(target(logging.LogGroup)).toBe(logGroupId);
      // The JSON format would wrap each line in Lambda's own record, out of reach of `$.outcome`.
      expect(logging.LogFormat ?? 'Text').toBe('Text');
    });
  }

  if (kind === 'ec2') {
    describe('CICD-7: the filter reads the group an instance of this engine ships its service log to', () => {
      const script = flatten(launchTemplateData(json).UserData);
      const written = new RegExp(`cat > ${INSTANCE_ENV_FILE} <<'ENV'\\n([\\s\\S]*?)\\nENV\\n`).exec(
        script,
      )?.[1];
      const instanceEnv = Object.fromEntries(
        (written ?? '').split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
      let box: Awaited<ReturnType<typeof createSandbox>>;
      beforeAll(async () => {
        box = await createSandbox();
      });
      afterAll(() => box.remove());

      it('the instance env file the user data writes names the group', () => {
        expect(written).toBeDefined();
        expect(instanceEnv.LOG_GROUP).toBe(logGroupName);
      });

      it("AfterInstall, given that env file, points the CloudWatch agent's service log at the group", async () => {
        await prepareInstance(box, INSTANCE_ENV_FILE.slice(1), `${written}\n`, 'FAILURE_RATE=0\n');

        const run = await box.run(`${scriptsSource}/after-install.sh`);

        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const agent = JSON.parse((await box.read('etc/hello/amazon-cloudwatch-agent.json')) ?? '{}') as {
          logs: {
            logs_collected: { files: { collect_list: { file_path: string; log_group_name: string }[] } };
          };
        };
        const unit = (await box.read('etc/systemd/system/hello.service')) ?? '';
        const serviceLog = /^StandardOutput=append:(.+)$/m.exec(unit)?.[1];
        expect(agent.logs.logs_collected.files.collect_list).toEqual([
          expect.objectContaining({ file_path: serviceLog, log_group_name: logGroupName }),
        ]);
        expect(
          callsOf(await box.calls(), 'opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl'),
        ).toEqual([
          ['-a', 'append-config', '-m', 'ec2', '-s', '-c', `file:/etc/hello/amazon-cloudwatch-agent.json`],
        ]);
      });
    });
  }
});
