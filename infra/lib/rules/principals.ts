import {
  type Assembly,
  type AssemblyStack,
  createdAfter,
  type DeployTimeRule,
  deployedBefore,
  isObject,
  list,
  literal,
  resourcesOf,
  statementsOf,
} from './assembly.ts';

/** Where each resource type keeps a policy whose principals the service validates when it is written. */
export const POLICY_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::ECR::Repository': 'RepositoryPolicyText',
  'AWS::ECR::RegistryPolicy': 'PolicyText',
  'AWS::Backup::BackupVault': 'AccessPolicy',
  'AWS::SecretsManager::ResourcePolicy': 'ResourcePolicy',
  'AWS::IAM::Role': 'AssumeRolePolicyDocument',
};

const SERVICE_LINKED = /^arn:[^:]+:iam::(\d{12}):role\/aws-service-role\/([^/]+)\/(.+)$/;
const ROLE = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * A role named as a principal must exist when the policy is written: KMS, SNS, S3, ECR, Backup,
 * Secrets Manager and IAM trust policies all refuse a principal that does not resolve.
 */
export const policyPrincipals: DeployTimeRule = {
  id: 'DT-POLICY-PRINCIPALS',
  what: 'A role named as a principal in a key, topic, queue, bucket, registry, repository, vault, secret or trust policy exists when the policy is written: a service-linked role is created first in that account (AWS::IAM::ServiceLinkedRole, or a custom resource ensuring it, that the policy depends on) or is a preflight-checked prerequisite; a role of another stack is deployed before',
  source:
    'aws-facts §17 (MalformedPolicyDocumentException … invalid principals); IAM User Guide, "AWS JSON policy elements: Principal" (a role principal must exist)',
  check(assembly, options) {
    const prerequisites = new Set(options.prerequisites ?? []);
    return assembly.stacks.flatMap((stack) =>
      Object.entries(POLICY_PROPERTIES).flatMap(([type, property]) =>
        resourcesOf(stack, type).flatMap(([id, r]) =>
          statementsOf(r.Properties?.[property]).flatMap((s) =>
            awsPrincipals(s.Principal).flatMap((p) => {
              const arn = literal(p, stack);
              if (arn === undefined || prerequisites.has(arn)) return [];
              const problem = principalProblem(assembly, stack, id, arn, prerequisites);
              return problem === undefined
                ? []
                : [{ rule: policyPrincipals.id, stack: stack.name, logicalId: id, message: problem }];
            }),
          ),
        ),
      ),
    );
  },
};

function awsPrincipals(principal: unknown): unknown[] {
  return isObject(principal) ? list(principal.AWS) : [];
}

function principalProblem(
  assembly: Assembly,
  stack: AssemblyStack,
  id: string,
  arn: string,
  prerequisites: ReadonlySet<string>,
): string | undefined {
  const linked = SERVICE_LINKED.exec(arn);
  if (linked !== null) {
    const [, account, service, name = ''] = linked;
    if (prerequisites.has(name)) return undefined;
    if (serviceLinkedRoleEnsured(assembly, stack, id, account ?? '', service ?? '')) return undefined;
    return `names the service-linked role ${arn}, which a fresh account does not have: create it first (AWS::IAM::ServiceLinkedRole for ${service} that this resource DependsOn, in a stack deployed before) or name it in a condition (aws:PrincipalArn), or list ${name} as a preflight-checked prerequisite`;
  }
  const role = ROLE.exec(arn);
  if (role === null) return undefined;
  const [, account, name] = role;
  const producers = assembly.stacks.filter(
    (s) =>
      s.account === account &&
      resourcesOf(s, 'AWS::IAM::Role').some(([, r]) => literal(r.Properties?.RoleName, s) === name),
  );
  if (producers.length === 0) {
    return `names the role ${arn}, which no stack of the assembly creates: create it in a stack deployed before, name it in a condition (aws:PrincipalArn) instead, or list it as a preflight-checked prerequisite`;
  }
  const before = deployedBefore(assembly, stack.name);
  const ordered = producers.some((p) =>
    p.name === stack.name
      ? resourcesOf(p, 'AWS::IAM::Role').some(
          ([roleId, r]) => literal(r.Properties?.RoleName, p) === name && createdAfter(p, id, roleId),
        )
      : before.has(p.name),
  );
  return ordered
    ? undefined
    : `names the role ${arn} of ${producers.map((p) => p.name).join(', ')}, which is not deployed before it: add a stack dependency (or a DependsOn in the same stack)`;
}

/**
 * A service-linked role exists before the policy when a stack of that account creates it, or runs a
 * custom resource that names the service (one that calls iam:CreateServiceLinkedRole), ahead of it.
 */
function serviceLinkedRoleEnsured(
  assembly: Assembly,
  stack: AssemblyStack,
  id: string,
  account: string,
  service: string,
): boolean {
  const before = deployedBefore(assembly, stack.name);
  const ensures = (s: AssemblyStack, r: { Type: string; Properties?: Record<string, unknown> }) =>
    r.Type === 'AWS::IAM::ServiceLinkedRole'
      ? literal(r.Properties?.AWSServiceName, s) === service
      : (r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource') &&
        JSON.stringify(r.Properties ?? {}).includes(`"${service}"`);
  return assembly.stacks.some(
    (s) =>
      s.account === account &&
      Object.entries(s.json.Resources).some(
        ([rid, r]) =>
          ensures(s, r) && (s.name === stack.name ? createdAfter(s, id, rid) : before.has(s.name)),
      ),
  );
}
