import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
import { type DelegationPlan, delegationPlan } from '../../../lib/constructs/traffic/delegation.ts';
import { RecoveryDnsStack } from '../../../lib/stacks/recovery-dns-stack.ts';
import { evaluate, type PolicyStatement } from '../../support/policy-evaluator.ts';

const { primary: PRIMARY, recovery: RECOVERY } = DEFAULT_CONFIG.accounts;
const ROLE_NAME = 'Hello-Recovery-DnsDelegation';
const EXECUTION_POLICY = new URL(
  '../../../../deploy/bootstrap/recovery-execution-policy.json',
  import.meta.url,
);

function delegated(profile: 'lab' | 'production', delegation: Record<string, unknown> = {}): EstateConfig {
  return parseConfig({
    profile,
    dns: { domainName: 'hello.example.com', delegation: { parentZoneName: 'example.com', ...delegation } },
  });
}

function planOf(config: EstateConfig): DelegationPlan {
  const plan = delegationPlan(config);
  if (plan === undefined) throw new Error('the config delegates');
  return plan;
}

/** The recovery account's DNS stack under the estate's policies: cdk-nag fails the synthesis on a finding. */
function synth(config: EstateConfig) {
  const app = createEstateApp({ builtinValidation: false });
  applyPolicies(app, config);
  const stack = new RecoveryDnsStack(app, { config, plan: planOf(config) });
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

const roleOf = (template: Template) => {
  const [entry] = Object.entries(template.findResources('AWS::IAM::Role'));
  if (entry === undefined) throw new Error('no role');
  return entry;
};
const statementsOf = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );

describe.each(['lab', 'production'] as const)('Hello-Recovery-Dns-us-east-1 (%s)', (profile) => {
  const { stack, template } = synth(delegated(profile));
  const [roleId, role] = roleOf(template);

  it('DR-3: lives in the recovery account, in us-east-1 where Route 53 is controlled', () => {
    expect([stack.stackName, stack.account, stack.region]).toEqual([
      'Hello-Recovery-Dns-us-east-1',
      RECOVERY,
      'us-east-1',
    ]);
  });

  it('DR-3: creates the parent zone and keeps it on delete or replacement (its registrar points at its name servers)', () => {
    const zones = Object.values(template.findResources('AWS::Route53::HostedZone'));
    expect(zones).toHaveLength(1);
    expect(zones[0]).toMatchObject({
      Properties: { Name: 'example.com.' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('DR-3: the delegation role has its fixed name and trusts the primary account alone', () => {
    expect(role.Properties.RoleName).toBe(ROLE_NAME);
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` } },
    ]);
  });

  it('DR-3: the role may UPSERT or DELETE only the NS records of the domain, only in the parent zone', () => {
    const [zoneId] = Object.keys(template.findResources('AWS::Route53::HostedZone'));
    expect(statementsOf(template)).toEqual([
      {
        Action: 'route53:ChangeResourceRecordSets',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:aws:route53:::hostedzone/', { Ref: zoneId }]] },
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes': ['NS'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['hello.example.com'],
          },
        },
      },
      // The record's handler finds the parent zone by name; the call has no resource type.
      { Action: 'route53:ListHostedZonesByName', Effect: 'Allow', Resource: '*' },
    ]);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies.map((p) => p.Properties.Roles)).toEqual([[{ Ref: roleId }]]);
  });

  it('DR-3: with the parent zone given by id, creates no zone and scopes the role to that zone', () => {
    const byId = synth(delegated(profile, { parentZoneId: 'Z0123456789ABC' })).template;
    byId.resourceCountIs('AWS::Route53::HostedZone', 0);
    expect(statementsOf(byId)[0]?.Resource).toBe('arn:aws:route53:::hostedzone/Z0123456789ABC');
  });

  it('DR-3, SEC-2: the recovery account’s execution policy lets CloudFormation create the stack, and never delete the zone nor write its records', () => {
    const statements = (
      JSON.parse(readFileSync(EXECUTION_POLICY, 'utf8')) as { Statement: PolicyStatement[] }
    ).Statement;
    const roleArn = `arn:aws:iam::${RECOVERY}:role/${ROLE_NAME}`;
    const calls: Record<string, readonly [string, string][]> = {
      'AWS::Route53::HostedZone': [
        ['route53:CreateHostedZone', '*'],
        ['route53:GetHostedZone', 'arn:aws:route53:::hostedzone/Z0123456789ABC'],
        ['route53:GetChange', 'arn:aws:route53:::change/C0123456789ABC'],
        ['route53:ChangeTagsForResource', 'arn:aws:route53:::hostedzone/Z0123456789ABC'],
      ],
      'AWS::IAM::Role': [
        ['iam:CreateRole', roleArn],
        ['iam:PutRolePolicy', roleArn],
      ],
      'AWS::IAM::Policy': [['iam:PutRolePolicy', roleArn]],
    };
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    const refused = types.flatMap((type) =>
      (calls[type] ?? [[`no call known for ${type}`, '*']])
        .filter(([action, resource]) => evaluate(statements, { action, resource }) !== 'allow')
        .map(([action]) => `${type}: ${action}`),
    );
    expect(refused).toEqual([]);
    const zone = 'arn:aws:route53:::hostedzone/Z0123456789ABC';
    expect(evaluate(statements, { action: 'route53:DeleteHostedZone', resource: zone })).toBe('deny');
    expect(evaluate(statements, { action: 'route53:ChangeResourceRecordSets', resource: zone })).toBe('deny');
  });
});

describe('RecoveryDnsStack', () => {
  it('DR-3: refuses a parent zone in the primary account, which needs no recovery-side stack', () => {
    const config = delegated('lab', { parentAccount: PRIMARY });
    expect(() => new RecoveryDnsStack(createEstateApp(), { config, plan: planOf(config) })).toThrow(
      'the parent zone is in the primary account: it needs no recovery stack',
    );
  });
});
