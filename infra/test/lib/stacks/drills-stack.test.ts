import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { props, resources } from './ec2-template.ts';

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

function templates(stackName: string) {
  const json = estate('lab').stack(stackName).json;
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
          Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
        }
      ).Statement,
  );
}

describe(`Hello-Drills-${HOME}`, () => {
  const { json, byScenario } = templates(`Hello-Drills-${HOME}`);

  it('OPS-1: the home region rehearses an AZ power interruption, an Aurora failover and capacity errors at scale-out', () => {
    expect(Object.keys(byScenario).sort()).toEqual(['asg-capacity', 'aurora-failover', 'az-power']);
  });

  it('OPS-1: every experiment stops on the engines 5xx alarms of its region, never on nothing', () => {
    for (const t of Object.values(byScenario)) {
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
    expect(Object.keys(byScenario)).toEqual(['ecs-task-stop']);
    const t = byScenario['ecs-task-stop'] as Template;
    expect(t.Targets.Tasks).toMatchObject({ ResourceType: 'aws:ecs:task', SelectionMode: 'PERCENT(50)' });
    expect(JSON.stringify(json.Parameters)).toContain(`/hello/${ECS_REGION}/ecs/cluster`);
    expect(JSON.stringify(t.StopConditions)).toMatch(/Hello-Ecs-.*RollbackAlarmsHttp5xx/);
  });
});
