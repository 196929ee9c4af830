import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { flatten, props, resources, target } from './ec2-template.ts';

const HOME = DEFAULT_CONFIG.homeRegion;
const [ZONE] = DEFAULT_CONFIG.regions[HOME]?.availabilityZones ?? [];
const [ECS_REGION] = DEFAULT_CONFIG.engines.ecs.regions;

type Template = {
  Description: string;
  RoleArn: unknown;
  StopConditions: { Source: string; Value: unknown }[];
  Targets: Record<string, Record<string, unknown>>;
  Actions: Record<
    string,
    { ActionId: string; Parameters?: Record<string, string>; Targets: Record<string, string> }
  >;
  ExperimentOptions: Record<string, string>;
  Tags: Record<string, string>;
};

function templates(stackName: string, profile: 'lab' | 'production' = 'lab') {
  const json = estate(profile).stack(stackName).json;
  return {
    json,
    byScenario: Object.fromEntries(
      resources(json, 'AWS::FIS::ExperimentTemplate').map(([, r]) => {
        const t = props(r) as unknown as Template;
        return [t.Tags.scenario, t];
      }),
    ) as Record<string, Template>,
  };
}

function statements(json: ReturnType<typeof templates>['json']) {
  return resources(json, 'AWS::IAM::Policy').flatMap(
    ([, r]) =>
      (
        props(r).PolicyDocument as {
          Statement: {
            Action: string | string[];
            Resource: unknown;
            Condition?: Record<string, unknown>;
          }[];
        }
      ).Statement,
  );
}

describe(`Hello-Drills-${HOME}`, () => {
  const { json, byScenario } = templates(`Hello-Drills-${HOME}`);

  it('OPS-1: the home region rehearses an AZ power interruption, an Aurora failover and capacity errors at scale-out', () => {
    expect(Object.keys(byScenario).sort()).toEqual([
      'asg-capacity',
      'aurora-failover',
      'az-power',
      'region-dns',
    ]);
  });

  it('OPS-1: every experiment but region-dns stops on the engines 5xx alarms of its region, never on nothing', () => {
    for (const [scenario, t] of Object.entries(byScenario)) {
      if (scenario === 'region-dns') continue;
      expect(t.StopConditions.length).toBeGreaterThanOrEqual(2);
      for (const c of t.StopConditions) {
        expect(c.Source).toBe('aws:cloudwatch:alarm');
        expect(JSON.stringify(c.Value)).toMatch(/Hello-(Asg|Fleet)-us-east-1.*RollbackAlarmsHttp5xx/);
      }
      expect(t.ExperimentOptions).toEqual({
        AccountTargeting: 'single-account',
        EmptyTargetResolutionMode: 'fail',
      });
    }
  });

  it("OPS-1: the AZ power interruption stops the zone's instances, cuts its subnets, refuses launches there and moves the writer out", () => {
    const t = byScenario['az-power'] as Template;
    expect(Object.fromEntries(Object.entries(t.Actions).map(([k, a]) => [k, a.ActionId]))).toEqual({
      StopInstances: 'aws:ec2:stop-instances',
      DisruptSubnets: 'aws:network:disrupt-connectivity',
      NoCapacity: 'aws:ec2:asg-insufficient-instance-capacity-error',
      FailoverCluster: 'aws:rds:failover-db-cluster',
    });
    expect(t.Targets.Instances).toMatchObject({
      ResourceType: 'aws:ec2:instance',
      ResourceTags: { app: 'Hello' },
      Filters: [
        { Path: 'Placement.AvailabilityZone', Values: [ZONE] },
        { Path: 'State.Name', Values: ['running'] },
      ],
    });
    expect(t.Targets.Subnets).toMatchObject({ Filters: [{ Path: 'AvailabilityZone', Values: [ZONE] }] });
    expect(t.Actions.NoCapacity?.Parameters).toMatchObject({
      availabilityZoneIdentifiers: ZONE,
      percentage: '100',
    });
    expect(t.Actions.StopInstances?.Parameters).toMatchObject({ startInstancesAfterDuration: 'PT10M' });
    expect(t.Targets.Clusters).toMatchObject({ Parameters: { writerAvailabilityZoneIdentifiers: ZONE } });
    expect(JSON.stringify(t.Targets.Clusters?.ResourceArns)).toContain(':cluster:hello-us-east-1');
  });

  it("OPS-1: the FIS role can stop only the estate's instances, inject only capacity errors and fail over only its cluster", () => {
    const [, role] = resources(json, 'AWS::IAM::Role')[0] ?? [];
    expect(props(role ?? { Type: '' }).AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'fis.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        },
      ],
    });
    const all = statements(json);
    const find = (action: string) => all.filter((s) => [s.Action].flat().includes(action));
    for (const s of find('ec2:StopInstances'))
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/app': 'Hello' } });
    for (const s of find('ec2:InjectApiError'))
      expect(s.Condition).toEqual({
        StringEquals: { 'ec2:FisActionId': 'aws:ec2:asg-insufficient-instance-capacity-error' },
      });
    const failover = find('rds:FailoverDBCluster');
    expect(failover).toHaveLength(1);
    expect(JSON.stringify(failover[0]?.Resource)).toBe(
      '"arn:aws:rds:us-east-1:111111111111:cluster:hello-us-east-1"',
    );
    expect(all.some((s) => [s.Action].flat().some((a) => a.endsWith(':*') || a === '*'))).toBe(false);
    expect(find('kms:CreateGrant')[0]?.Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
  });
});

describe(`Hello-Drills-${ECS_REGION}`, () => {
  const { json, byScenario } = templates(`Hello-Drills-${ECS_REGION}`);

  it("OPS-1: the ECS region stops half of the service's tasks, found by the names its stack publishes", () => {
    expect(Object.keys(byScenario).sort()).toEqual(['ecs-task-stop', 'region-dns']);
    const t = byScenario['ecs-task-stop'] as Template;
    expect(t.Targets.Tasks).toMatchObject({ ResourceType: 'aws:ecs:task', SelectionMode: 'PERCENT(50)' });
    expect(JSON.stringify(json.Parameters)).toContain(`/hello/${ECS_REGION}/ecs/cluster`);
    expect(JSON.stringify(t.StopConditions)).toMatch(/Hello-Ecs-.*RollbackAlarmsHttp5xx/);
  });
});

interface Step {
  name: string;
  action: string;
  inputs: Record<string, unknown>;
  onCancel?: string;
  onFailure?: string;
  nextStep?: string;
  isEnd?: boolean;
  outputs?: { Name: string; Selector: string }[];
}

const ENGINE_REGIONS = [
  ...new Set(
    Object.values(DEFAULT_CONFIG.engines).flatMap((e) => (e.enabled ? (e.regions as string[]) : [])),
  ),
];

describe.each(['lab', 'production'] as const)('region-dns in the %s estate', (profile) => {
  it.each(ENGINE_REGIONS)(
    'OPS-1: %s: the experiment runs the drain automation of the region, passing its role and the duration, and stops on the canary alarm alone',
    (region) => {
      const stack = `Hello-Drills-${region}`;
      const { json, byScenario } = templates(stack, profile);
      const t = byScenario['region-dns'] as Template;
      expect(Object.keys(t.Targets)).toEqual([]);
      const action = t.Actions.Drain;
      expect(action?.ActionId).toBe('aws:ssm:start-automation-execution');
      const [[, document] = []] = resources(json, 'AWS::SSM::Document');
      expect(props(document).Name).toBe('Hello-RegionDnsDrain');
      expect(flatten(action?.Parameters?.documentArn)).toBe(
        `arn:aws:ssm:${region}:111111111111:document/Hello-RegionDnsDrain`,
      );
      const [roleId] = resources(json, 'AWS::IAM::Role')
        .filter(([, r]) => JSON.stringify(props(r).AssumeRolePolicyDocument).includes('ssm.amazonaws.com'))
        .map(([id]) => id);
      expect(flatten(action?.Parameters?.documentParameters)).toBe(
        `{"AutomationAssumeRole":"<${roleId}.Arn>","Seconds":"600"}`,
      );
      expect(action?.Parameters?.maxDuration).toBe('PT15M');
      expect(t.StopConditions).toEqual([
        {
          Source: 'aws:cloudwatch:alarm',
          Value: `arn:aws:cloudwatch:${region}:111111111111:alarm:Hello-user-path-${region}`,
        },
      ]);
      // The canary's alarm is named, not referenced: its stack must be there first.
      expect(estate(profile).stack(stack).dependsOn).toContain(`Hello-Release-${region}`);
    },
  );

  it.each(ENGINE_REGIONS)(
    "OPS-1: %s: the automation writes the region's drain-until time, holds it for the duration, and deletes it after the hold, a failure or a stop",
    (region) => {
      const { json } = templates(`Hello-Drills-${region}`, profile);
      const [[, document] = []] = resources(json, 'AWS::SSM::Document');
      expect(props(document).DocumentType).toBe('Automation');
      const content = props(document).Content as { assumeRole: string; mainSteps: Step[] };
      expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
      const steps = Object.fromEntries(content.mainSteps.map((s) => [s.name, s]));
      expect(content.mainSteps.map((s) => s.name)).toEqual(['Until', 'Drain', 'Hold', 'Rejoin']);
      const name = `/hello/${region}/traffic/drain`;
      expect(steps.Drain?.inputs).toMatchObject({
        Service: 'ssm',
        Api: 'PutParameter',
        Name: name,
        Overwrite: true,
        Value: '{{ Until.Time }}',
      });
      expect(steps.Until?.outputs).toEqual([{ Name: 'Time', Selector: '$.Payload.until', Type: 'String' }]);
      expect(steps.Hold).toMatchObject({
        action: 'aws:sleep',
        inputs: { Duration: 'PT10M' },
        nextStep: 'Rejoin',
      });
      for (const step of [steps.Drain, steps.Hold])
        expect(step).toMatchObject({ onCancel: 'step:Rejoin', onFailure: 'step:Rejoin' });
      expect(steps.Rejoin).toMatchObject({
        isEnd: true,
        inputs: { Service: 'ssm', Api: 'DeleteParameter', Name: name },
      });
    },
  );

  it('OPS-1: the automation computes now + the duration as an ISO 8601 UTC time the service reads as a drain', () => {
    const { json } = templates(`Hello-Drills-${ENGINE_REGIONS[0]}`, profile);
    const [[, document] = []] = resources(json, 'AWS::SSM::Document');
    const until = (props(document).Content as { mainSteps: Step[] }).mainSteps[0]?.inputs ?? {};
    expect(until.Runtime).toBe('python3.11');
    const run = `${String(until.Script)}\nimport json\nprint(json.dumps(${String(until.Handler)}({'Seconds': '600'}, None)))`;
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { until: time } = JSON.parse(execFileSync('python3', ['-c', run], { encoding: 'utf8' })) as {
      until: string;
    };
    const after = Date.now();
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(time)).toBeGreaterThanOrEqual(before + 600_000);
    expect(Date.parse(time)).toBeLessThanOrEqual(after + 600_000);
  });

  it.each(ENGINE_REGIONS)(
    'OPS-1: %s: the automation role may write and delete that one parameter; FIS may start that document, follow and stop its executions, and pass that role to SSM only',
    (region) => {
      const { json } = templates(`Hello-Drills-${region}`, profile);
      const roles = resources(json, 'AWS::IAM::Role');
      const drainRole = roles.find(([, r]) =>
        JSON.stringify(props(r).AssumeRolePolicyDocument).includes('ssm.amazonaws.com'),
      );
      const policies = resources(json, 'AWS::IAM::Policy');
      const statementsOf = (roleId: string | undefined) =>
        policies
          .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => target(r) === roleId))
          .flatMap(
            ([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
          );
      expect(statementsOf(drainRole?.[0])).toEqual([
        {
          Effect: 'Allow',
          Action: ['ssm:DeleteParameter', 'ssm:PutParameter'],
          Resource: `arn:aws:ssm:${region}:111111111111:parameter/hello/${region}/traffic/drain`,
        },
      ]);
      const fisRole = roles.find(([, r]) =>
        JSON.stringify(props(r).AssumeRolePolicyDocument).includes('fis.amazonaws.com'),
      );
      const fis = statementsOf(fisRole?.[0]);
      const of = (action: string) => fis.filter((s) => [s.Action].flat().includes(action));
      expect(of('ssm:StartAutomationExecution').map((s) => [s.Resource].flat().map(flatten).sort())).toEqual([
        [
          `arn:aws:ssm:${region}:111111111111:automation-definition/Hello-RegionDnsDrain:*`,
          `arn:aws:ssm:${region}:111111111111:document/Hello-RegionDnsDrain`,
        ],
      ]);
      for (const action of ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'])
        expect(of(action).map((s) => s.Resource)).toEqual([
          `arn:aws:ssm:${region}:111111111111:automation-execution/*`,
        ]);
      expect(of('iam:PassRole')).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: { 'Fn::GetAtt': [drainRole?.[0], 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        },
      ]);
      expect(fis.some((s) => [s.Action].flat().includes('ssm:PutParameter'))).toBe(false);
    },
  );
});
