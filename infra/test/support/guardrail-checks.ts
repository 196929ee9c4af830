import type { TemplateJson } from './estate.ts';

/** A guardrail as a check over one template: the list of violations, empty when it holds. */
export interface GuardrailCheck {
  /** Test name, starting with the requirement id it proves where one applies. */
  readonly name: string;
  readonly check: (template: TemplateJson) => string[];
}

type Resource = TemplateJson['Resources'][string];
type Json = Record<string, unknown>;

const REQUIRED_TAGS = ['purpose', 'app', 'owner'] as const;
const PURPOSE = 'DevOps exam';

/**
 * Types that support tags and must carry them when they appear (a resource of any other type that has
 * Tags is checked too). Listed ahead of the stacks that will add them, so a new engine is covered.
 */
export const MUST_BE_TAGGED = new Set([
  'AWS::EC2::Instance',
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::NatGateway',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ECR::Repository',
  'AWS::Lambda::Function',
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::SecretsManager::Secret',
  'AWS::SSM::Parameter',
  'AWS::CodeBuild::Project',
  'AWS::CodePipeline::Pipeline',
  'AWS::Backup::BackupVault',
  'AWS::CloudFront::Distribution',
]);

function tagsOf(resource: Resource): Record<string, unknown> | undefined {
  // A backup vault keeps its tags under BackupVaultTags (a map), a backup plan under BackupPlanTags.
  const tags =
    resource.Properties?.Tags ?? resource.Properties?.BackupVaultTags ?? resource.Properties?.BackupPlanTags;
  if (tags === undefined) return undefined;
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t: Json) => [t.Key, t.Value]));
  return tags as Record<string, unknown>;
}

function each(template: TemplateJson, type: string | ((t: string) => boolean)): [string, Resource][] {
  const match = typeof type === 'string' ? (t: string) => t === type : type;
  return Object.entries(template.Resources).filter(([, r]) => match(r.Type));
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Whether `value` names the resource `id` (`Ref` or `Fn::GetAtt`), anywhere inside it. */
function mentions(value: unknown, id: string): boolean {
  return JSON.stringify(value ?? null).includes(`"${id}"`);
}

export const tagged: GuardrailCheck = {
  name: 'GOV-1: every taggable resource carries purpose = DevOps exam, app and owner',
  check: (template) =>
    Object.entries(template.Resources).flatMap(([id, r]) => {
      const tags = tagsOf(r);
      if (tags === undefined) return MUST_BE_TAGGED.has(r.Type) ? [`${id} (${r.Type}) has no tags`] : [];
      const missing = REQUIRED_TAGS.filter((k) => tags[k] === undefined);
      const wrong =
        tags.purpose !== undefined && tags.purpose !== PURPOSE ? [`${id}: purpose is ${tags.purpose}`] : [];
      return [...(missing.length > 0 ? [`${id} (${r.Type}) lacks ${missing.join(', ')}`] : []), ...wrong];
    }),
};

export const bucketsEncrypted: GuardrailCheck = {
  name: 'GOV-2: every bucket has default encryption',
  check: (template) =>
    each(template, 'AWS::S3::Bucket')
      .filter(([, r]) => {
        const rules = (r.Properties?.BucketEncryption as Json | undefined)?.ServerSideEncryptionConfiguration;
        return list(rules).length === 0;
      })
      .map(([id]) => `${id} has no default encryption`),
};

export const bucketsPrivate: GuardrailCheck = {
  name: 'every bucket blocks all public access',
  check: (template) =>
    each(template, 'AWS::S3::Bucket')
      .filter(([, r]) => {
        const block = (r.Properties?.PublicAccessBlockConfiguration ?? {}) as Json;
        return !['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].every(
          (k) => block[k] === true,
        );
      })
      .map(([id]) => `${id} does not block all public access`),
};

export const bucketsTlsOnly: GuardrailCheck = {
  name: 'every bucket policy denies requests without TLS',
  check: (template) => {
    const policies = each(template, 'AWS::S3::BucketPolicy');
    return each(template, 'AWS::S3::Bucket')
      .filter(
        ([id]) =>
          !policies.some(([, p]) => {
            if (!mentions(p.Properties?.Bucket, id)) return false;
            const statements = list((p.Properties?.PolicyDocument as Json | undefined)?.Statement) as Json[];
            return statements.some(
              (s) =>
                s.Effect === 'Deny' &&
                ((s.Condition as Json | undefined)?.Bool as Json | undefined)?.['aws:SecureTransport'] ===
                  'false',
            );
          }),
      )
      .map(([id]) => `${id} has no TLS-only bucket policy`);
  },
};

export const bucketsVersioned: GuardrailCheck = {
  name: 'every bucket that keeps data is versioned (log buckets expire instead)',
  check: (template) =>
    each(template, 'AWS::S3::Bucket')
      .filter(([, r]) => {
        const versioned = (r.Properties?.VersioningConfiguration as Json | undefined)?.Status === 'Enabled';
        const rules = list((r.Properties?.LifecycleConfiguration as Json | undefined)?.Rules) as Json[];
        const expires = rules.some(
          (rule) => rule.ExpirationInDays !== undefined && rule.Prefix === undefined,
        );
        return !versioned && !expires;
      })
      .map(([id]) => `${id} is neither versioned nor an expiring log bucket`),
};

export const logRetention: GuardrailCheck = {
  name: 'every log group has a retention',
  check: (template) =>
    each(template, 'AWS::Logs::LogGroup')
      .filter(([, r]) => typeof r.Properties?.RetentionInDays !== 'number')
      .map(([id]) => `${id} keeps logs forever`),
};

export const keysRotated: GuardrailCheck = {
  name: 'every KMS key rotates',
  check: (template) =>
    each(template, 'AWS::KMS::Key')
      .filter(([, r]) => r.Properties?.EnableKeyRotation !== true)
      .map(([id]) => `${id} does not rotate`),
};

export const topicsEncrypted: GuardrailCheck = {
  name: 'every SNS topic is encrypted with a customer-managed key',
  check: (template) =>
    each(template, 'AWS::SNS::Topic')
      .filter(([, r]) => r.Properties?.KmsMasterKeyId === undefined)
      .map(([id]) => `${id} is not encrypted`),
};

function statementsOf(resource: Resource): Json[] {
  const p = resource.Properties ?? {};
  const documents = [
    p.PolicyDocument,
    ...(list(p.Policies) as Json[]).map((inline) => inline.PolicyDocument),
  ];
  return documents.flatMap((d) => list((d as Json | undefined)?.Statement) as Json[]);
}

export const noAdministrator: GuardrailCheck = {
  name: 'GOV-3: no IAM statement allows Action * on Resource *',
  check: (template) =>
    each(
      template,
      (t) => t === 'AWS::IAM::Policy' || t === 'AWS::IAM::ManagedPolicy' || t === 'AWS::IAM::Role',
    )
      .filter(([, r]) =>
        statementsOf(r).some(
          (s) =>
            s.Effect === 'Allow' &&
            list(s.Action).some((a) => a === '*' || a === '*:*') &&
            list(s.Resource).includes('*'),
        ),
      )
      .map(([id]) => `${id} grants administrator access`),
};

const ANYWHERE = new Set(['0.0.0.0/0', '::/0']);
const LISTENER_PORTS = new Set([80, 443]);

export const noOpenIngress: GuardrailCheck = {
  name: 'SCALE-7: no security group is open to the internet except load balancer listeners on 80/443',
  check: (template) => {
    const balancerGroups = each(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').flatMap(([, r]) =>
      list(r.Properties?.SecurityGroups).map((g) => JSON.stringify(g)),
    );
    const isBalancerGroup = (groupId: string) => balancerGroups.some((g) => g.includes(`"${groupId}"`));
    const rules: [string, string, Json][] = [
      ...each(template, 'AWS::EC2::SecurityGroup').flatMap(([id, r]) =>
        (list(r.Properties?.SecurityGroupIngress) as Json[]).map((rule): [string, string, Json] => [
          id,
          id,
          rule,
        ]),
      ),
      ...each(template, 'AWS::EC2::SecurityGroupIngress').map(([id, r]): [string, string, Json] => [
        id,
        JSON.stringify(r.Properties?.GroupId ?? ''),
        r.Properties ?? {},
      ]),
    ];
    return rules
      .filter(([, group, rule]) => {
        const open = ANYWHERE.has(String(rule.CidrIp)) || ANYWHERE.has(String(rule.CidrIpv6));
        if (!open) return false;
        const listener =
          rule.IpProtocol === 'tcp' &&
          rule.FromPort === rule.ToPort &&
          LISTENER_PORTS.has(Number(rule.FromPort));
        const groupId = /"([A-Za-z0-9]+)"/.exec(group)?.[1] ?? group;
        return !(listener && isBalancerGroup(groupId));
      })
      .map(
        ([id, , rule]) => `${id} opens ${rule.IpProtocol}/${rule.FromPort}-${rule.ToPort} to the internet`,
      );
  },
};

/** Every guardrail, run over every template of both profiles. */
export const GUARDRAILS: readonly GuardrailCheck[] = [
  tagged,
  bucketsEncrypted,
  bucketsPrivate,
  bucketsTlsOnly,
  bucketsVersioned,
  logRetention,
  keysRotated,
  topicsEncrypted,
  noAdministrator,
  noOpenIngress,
];
