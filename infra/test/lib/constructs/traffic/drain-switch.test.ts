import { describe, expect, it } from 'vitest';
import { type AwsRegion, DEFAULT_CONFIG } from '../../../../config/index.ts';
import { DRAIN_SETTING, drainParameterName } from '../../../../lib/constructs/traffic/drain-switch.ts';
import { estate } from '../../../support/estate.ts';
import { flatten, props, resources } from '../../stacks/ec2-template.ts';

const ENGINE_STACK = /^Hello-(Fleet|Asg|Beanstalk|Ecs|Serverless)-(.+)$/;

/**
 * The settings a template gives its service, however its engine carries them: `KEY=value` lines of a
 * parameter, a container's `{Name, Value}`, a Beanstalk `{OptionName, Value}`, a function's `Variables`.
 */
function settingsOf(value: unknown, found = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string' || (typeof value === 'object' && value !== null && 'Fn::Join' in value)) {
    for (const line of flatten(value).split('\n')) {
      const [, key, setting] = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line) ?? [];
      if (key !== undefined && setting !== undefined) found.set(key, setting);
    }
    return found;
  }
  if (typeof value !== 'object' || value === null) return found;
  const v = value as Record<string, unknown>;
  const key = v.Name ?? v.OptionName;
  if (typeof key === 'string' && v.Value !== undefined) found.set(key, flatten(v.Value));
  if (typeof v.Variables === 'object' && v.Variables !== null)
    for (const [k, setting] of Object.entries(v.Variables)) found.set(k, flatten(setting));
  for (const child of Object.values(v)) settingsOf(child, found);
  return found;
}

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

describe.each(['lab', 'production'] as const)('the drain switch in the %s estate', (profile) => {
  const engines = estate(profile).stacks.filter((s) => ENGINE_STACK.test(s.name));
  const statements = (json: (typeof engines)[number]['json']) =>
    resources(json, 'AWS::IAM::Policy').flatMap(
      ([, r]) => (props(r).PolicyDocument as { Statement: Statement[] }).Statement,
    );

  it("OPS-1: every engine of every region is told its region's drain parameter and may read that one parameter", () => {
    expect(engines.map((s) => s.name).sort()).toEqual([
      'Hello-Asg-eu-central-1',
      'Hello-Asg-us-east-1',
      'Hello-Beanstalk-eu-west-1',
      'Hello-Ecs-us-west-2',
      'Hello-Fleet-us-east-1',
      'Hello-Serverless-ap-southeast-2',
    ]);
    for (const stack of engines) {
      const name = drainParameterName(DEFAULT_CONFIG, stack.region as AwsRegion);
      expect(name).toBe(`/hello/${stack.region}/traffic/drain`);
      expect(settingsOf(stack.json).get(DRAIN_SETTING), stack.name).toBe(name);
      const grants = statements(stack.json).filter((s) => s.Sid === 'DrainSwitchParameter');
      expect(grants, stack.name).toHaveLength(1);
      expect(grants[0]?.Action).toBe('ssm:GetParameter');
      expect(flatten(grants[0]?.Resource)).toBe(
        `arn:aws:ssm:${stack.region}:${stack.account}:parameter${name}`,
      );
    }
  });

  it('OPS-1: no engine may write or delete the drain switch: only the game day does', () => {
    for (const stack of engines) {
      const writes = statements(stack.json).filter(
        (s) =>
          flatten(s.Resource).includes('/traffic/drain') &&
          [s.Action].flat().some((a) => a !== 'ssm:GetParameter'),
      );
      expect(writes, stack.name).toEqual([]);
    }
  });
});
