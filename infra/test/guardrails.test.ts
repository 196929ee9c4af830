import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/index.ts';
import { estate, type TemplateJson } from './support/estate.ts';
import { GUARDRAILS } from './support/guardrail-checks.ts';
import { evaluate, type PolicyStatement } from './support/policy-evaluator.ts';

const PROFILES = ['lab', 'production'] as const;

describe.each(GUARDRAILS)('$name', ({ check }) => {
  it.each(PROFILES)('holds on every template of the %s estate', (profile) => {
    const violations = estate(profile).stacks.flatMap((s) => check(s.json).map((v) => `${s.name}: ${v}`));
    expect(violations).toEqual([]);
  });
});

// Each check must be able to fail: one template that breaks every guardrail at once.
const BROKEN: TemplateJson = {
  Resources: {
    Untagged: { Type: 'AWS::EC2::Instance', Properties: {} },
    WrongPurpose: { Type: 'AWS::SQS::Queue', Properties: { Tags: [{ Key: 'purpose', Value: 'prod' }] } },
    Open: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        Tags: [
          { Key: 'purpose', Value: 'DevOps exam' },
          { Key: 'app', Value: 'H' },
          { Key: 'owner', Value: 'o' },
        ],
      },
    },
    Forever: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    Static: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false } },
    Plain: { Type: 'AWS::SNS::Topic', Properties: {} },
    Admin: {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
    },
    Ssh: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }],
      },
    },
    HttpsNoBalancer: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { 'Fn::GetAtt': ['Ssh', 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIpv6: '::/0',
      },
    },
  },
};

describe('each guardrail check', () => {
  it.each(GUARDRAILS)('catches a violation: $name', ({ check }) => {
    expect(check(BROKEN).length).toBeGreaterThan(0);
  });

  it('lets a load balancer listener on 443 be open to the internet, and nothing else', () => {
    const balanced: TemplateJson = {
      Resources: {
        LbSg: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }],
          },
        },
        Lb: {
          Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          Properties: { SecurityGroups: [{ 'Fn::GetAtt': ['LbSg', 'GroupId'] }] },
        },
      },
    };
    const check = GUARDRAILS.find((g) => g.name.startsWith('SCALE-7'))?.check;
    expect(check?.(balanced)).toEqual([]);
    expect(check?.(BROKEN)).toHaveLength(2);
  });
});

type Statement = PolicyStatement & { readonly Resource?: unknown };

/** Every Allow statement of every identity policy of `json` (inline, managed, and a role's own). */
function identityStatements(json: TemplateJson): [string, Statement][] {
  return Object.entries(json.Resources).flatMap(([id, r]) => {
    const p = r.Properties ?? {};
    const documents =
      r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy'
        ? [p.PolicyDocument]
        : r.Type === 'AWS::IAM::Role'
          ? ((p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((x) => x.PolicyDocument)
          : [];
    return documents.flatMap((d) =>
      ((d as { Statement?: Statement[] } | undefined)?.Statement ?? []).map((s): [string, Statement] => [
        id,
        s,
      ]),
    );
  });
}

/**
 * The statements that let a principal decrypt on its own, outside any AWS service. Key ARNs are tokens,
 * which the evaluator does not follow: the statement is read as if on every key.
 */
function directDecrypts(json: TemplateJson): string[] {
  return identityStatements(json)
    .filter(([, s]) => evaluate([{ ...s, Resource: '*' }], { action: 'kms:Decrypt' }) === 'allow')
    .map(([id, s]) => `${id}: ${JSON.stringify(s)}`);
}

describe.each(PROFILES)('the roles of the %s estate', (profile) => {
  it('DATA-2: no role decrypts with a key outside an AWS service (kms:ViaService): a SecureString or secret stays unreadable to the SSM and Lambda managed policies alone', () => {
    const found = estate(profile).stacks.flatMap((s) => directDecrypts(s.json).map((v) => `${s.name}: ${v}`));
    expect(found).toEqual([]);
  });

  it("DATA-2: every engine's role decrypts the database secret through Secrets Manager for that secret alone (its ARN in the encryption context)", () => {
    const grants = estate(profile).stacks.flatMap((s) =>
      identityStatements(s.json)
        .filter(([, st]) => st.Sid === 'DatabaseSecretKey')
        .map(([, st]) => [s.name.split('-')[1], st] as const),
    );
    // Every engine grants through grantDatabaseSecret; the default topology connects those in database regions.
    const databaseRegions = [DEFAULT_CONFIG.homeRegion, ...DEFAULT_CONFIG.database.secondaryRegions];
    const connected = Object.entries(DEFAULT_CONFIG.engines)
      .filter(([, e]) => e.regions.some((r) => databaseRegions.includes(r)))
      .map(([kind]) => kind.charAt(0).toUpperCase() + kind.slice(1));
    expect(connected.length).toBeGreaterThan(0);
    expect(new Set(grants.map(([engine]) => engine))).toEqual(new Set(connected));
    for (const [engine, st] of grants) {
      const secretArn = (st.Condition?.StringLike as Record<string, unknown> | undefined)?.[
        'kms:EncryptionContext:SecretARN'
      ];
      expect(JSON.stringify(secretArn), engine).toMatch(/secretsmanager/);
      const via = (st.Condition?.StringEquals as Record<string, string> | undefined)?.['kms:ViaService'];
      expect(via, engine).toMatch(/^secretsmanager\.[a-z0-9-]+\.amazonaws\.com$/);
    }
  });
});

describe('the direct-decrypt check', () => {
  it('DATA-2: catches a role that may decrypt without kms:ViaService, passes one that must go through a service', () => {
    const role = (condition?: Record<string, unknown>): TemplateJson => ({
      Resources: {
        P: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['kms:Decrypt', 'kms:DescribeKey'],
                  Resource: { 'Fn::ImportValue': 'Key' },
                  ...(condition === undefined ? {} : { Condition: condition }),
                },
              ],
            },
          },
        },
      },
    });
    expect(directDecrypts(role())).toHaveLength(1);
    expect(
      directDecrypts(role({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } })),
    ).toEqual([]);
  });
});
