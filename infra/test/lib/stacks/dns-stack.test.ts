import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, PROFILES, parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
import { DELEGATION_RESOURCE_TYPE, delegationPlan } from '../../../lib/constructs/traffic/delegation.ts';
import { checkAssembly, formatFinding } from '../../../lib/rules/index.ts';
import { DnsStack } from '../../../lib/stacks/dns-stack.ts';
import { RecoveryDnsStack } from '../../../lib/stacks/recovery-dns-stack.ts';

const { primary: PRIMARY, recovery: RECOVERY } = DEFAULT_CONFIG.accounts;
const ROLE_ARN = `arn:aws:iam::${RECOVERY}:role/Hello-Recovery-DnsDelegation`;
const ZONE_NAME_SERVERS = { 'Fn::GetAtt': [expect.stringMatching(/^Zone/), 'NameServers'] };

/** A config delegating hello.example.com from example.com, as a user would write it. */
function delegated(profile: 'lab' | 'production', delegation: Record<string, unknown> = {}, more = {}) {
  return parseConfig({
    profile,
    dns: { domainName: 'hello.example.com', delegation: { parentZoneName: 'example.com', ...delegation } },
    ...more,
  });
}

/**
 * The DNS stack, with the recovery account's DNS stack before it when the parent zone is there (as the
 * estate composes them), under the estate's policies: cdk-nag fails the synthesis on a finding.
 */
function synth(config: EstateConfig, options: { order?: boolean } = {}) {
  const app = createEstateApp({ builtinValidation: false });
  applyPolicies(app, config);
  const dns = new DnsStack(app, { config });
  const plan = delegationPlan(config);
  const recovery =
    plan !== undefined && !plan.inAccount ? new RecoveryDnsStack(app, { config, plan }) : undefined;
  if (recovery !== undefined && options.order !== false) dns.addStackDependency(recovery);
  const assembly = app.synth();
  const stacks = assembly.stacks.map((s) => ({
    name: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    dependsOn: s.dependencies.map((d) => d.id),
    json: s.template,
  }));
  const template = (stack: Stack) => Template.fromStack(stack);
  return { dns: template(dns), findings: checkAssembly({ stacks }).map(formatFinding) };
}

/** The one resource of a type in a template, with its logical id. */
function only(template: Template, type: string): [string, { Properties: Record<string, unknown> }] {
  const found = Object.entries(template.findResources(type));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, unknown> }];
}

/** The statements of the policies attached to a role of the template, by the role's logical id. */
function statementsOf(template: Template, roleId: string) {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

describe.each(['lab', 'production'] as const)('Hello-Dns-us-east-1 with a delegation (%s)', (profile) => {
  const ttl = PROFILES[profile].delegationTtlSeconds;

  describe('the parent zone in the recovery account', () => {
    const { dns, findings } = synth(delegated(profile));
    const [recordId, record] = only(dns, DELEGATION_RESOURCE_TYPE);

    it("DR-3: writes the domain's NS set into the recovery account's parent zone, by name, with the estate zone's name servers and the profile's TTL", () => {
      expect(record.Properties).toEqual({
        ServiceToken: expect.anything(),
        AssumeRoleArn: ROLE_ARN,
        ParentZoneName: 'example.com',
        DelegatedZoneName: 'hello.example.com',
        DelegatedZoneNameServers: ZONE_NAME_SERVERS,
        TTL: ttl,
      });
    });

    it('DR-3: the record’s handler may assume the delegation role, and only after that grant exists', () => {
      const providerRoleId =
        Object.keys(dns.findResources('AWS::IAM::Role')).find((id) =>
          id.startsWith('CustomCrossAccountZoneDelegation'),
        ) ?? '';
      const statements = statementsOf(dns, providerRoleId);
      expect(statements).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: ROLE_ARN }]);
      const grant = Object.entries(dns.findResources('AWS::IAM::Policy')).find(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(providerRoleId),
      )?.[0];
      expect(dns.toJSON().Resources[recordId].DependsOn).toContain(grant);
    });

    it('DR-3: lowers the TTL of the estate zone’s own apex NS set (2 days by default) to the profile’s, with the same four name servers', () => {
      const [, apex] = only(dns, 'Custom::ApexNameServers');
      const call = JSON.parse(
        JSON.stringify((apex.Properties.Create as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]),
      ) as unknown[];
      const text = call.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
      expect(text).toContain('"action":"ChangeResourceRecordSets"');
      expect(text).toContain(
        `"Action":"UPSERT","ResourceRecordSet":{"Name":"hello.example.com","Type":"NS","TTL":${ttl}`,
      );
      for (const i of [0, 1, 2, 3]) expect(text).toContain(`{"Fn::Select":[${i},{"Fn::GetAtt":["Zone`);
      expect(apex.Properties.Update).toEqual(apex.Properties.Create);
      dns.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Action: 'route53:ChangeResourceRecordSets',
              Effect: 'Allow',
              Resource: {
                'Fn::Join': ['', ['arn:aws:route53:::hostedzone/', { Ref: Match.stringLikeRegexp('^Zone') }]],
              },
              Condition: {
                'ForAllValues:StringEquals': {
                  'route53:ChangeResourceRecordSetsRecordTypes': ['NS'],
                  'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
                  'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['hello.example.com'],
                },
              },
            },
          ],
        },
      });
    });

    it('DR-3, SEC-3: passes every deploy-time rule with the recovery stack deployed first, and fails the ordering rule without it', () => {
      expect(findings).toEqual([]);
      const unordered = synth(delegated(profile), { order: false }).findings;
      expect(unordered.length).toBeGreaterThan(0);
      for (const finding of unordered) {
        expect(finding).toMatch(
          /^DT-CROSS-STACK-ORDER Hello-Dns-us-east-1\/.*names arn:aws:iam::222222222222:role\/Hello-Recovery-DnsDelegation, which Hello-Recovery-Dns-us-east-1 creates/,
        );
      }
    });
  });

  it('DR-3: names an existing parent zone by its id instead of its name', () => {
    const { dns } = synth(delegated(profile, { parentZoneId: 'Z0123456789ABC' }));
    const [, record] = only(dns, DELEGATION_RESOURCE_TYPE);
    expect(record.Properties.ParentZoneId).toBe('Z0123456789ABC');
    expect(record.Properties).not.toHaveProperty('ParentZoneName');
  });

  describe('the recovered estate: accounts swapped, the parent zone in its own account', () => {
    const config = delegated(
      profile,
      { parentAccount: RECOVERY },
      { accounts: { primary: RECOVERY, recovery: PRIMARY } },
    );
    const { dns, findings } = synth(config);
    const [, record] = only(dns, DELEGATION_RESOURCE_TYPE);
    const roles = Object.entries(dns.findResources('AWS::IAM::Role'));
    const [delegationRoleId, delegationRole] = roles.find(([id]) => id.startsWith('Delegation')) ?? [];

    it('DR-3: upserts the same NS set into the parent zone through a role of its own account, never the lost one', () => {
      expect(delegationPlan(config)?.inAccount).toBe(true);
      expect(record.Properties).toMatchObject({
        AssumeRoleArn: { 'Fn::GetAtt': [delegationRoleId, 'Arn'] },
        ParentZoneName: 'example.com',
        DelegatedZoneName: 'hello.example.com',
        DelegatedZoneNameServers: ZONE_NAME_SERVERS,
        TTL: ttl,
      });
      expect(JSON.stringify(dns.toJSON())).not.toContain(PRIMARY);
      expect(delegationRole?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${RECOVERY}:root` },
        },
      ]);
    });

    it('DR-3: that role may change only the NS records of the domain, by UPSERT or DELETE', () => {
      expect(statementsOf(dns, delegationRoleId ?? '')).toEqual([
        {
          Action: 'route53:ChangeResourceRecordSets',
          Effect: 'Allow',
          Resource: 'arn:aws:route53:::hostedzone/*',
          Condition: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsRecordTypes': ['NS'],
              'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['hello.example.com'],
            },
          },
        },
        { Action: 'route53:ListHostedZonesByName', Effect: 'Allow', Resource: '*' },
      ]);
    });

    it('DR-3, SEC-3: needs no other stack and passes every deploy-time rule', () => {
      expect(findings).toEqual([]);
    });
  });
});

describe.each(['lab', 'production'] as const)('Hello-Dns-us-east-1 without a delegation (%s)', (profile) => {
  it('DR-3: holds the zone, its published id and the edge certificate, and nothing of the delegation', () => {
    const { dns } = synth({ ...DEFAULT_CONFIG, profile });
    const types = Object.values(dns.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    expect(types.sort()).toEqual([
      'AWS::CertificateManager::Certificate',
      'AWS::Route53::HostedZone',
      'AWS::SSM::Parameter',
    ]);
  });
});
