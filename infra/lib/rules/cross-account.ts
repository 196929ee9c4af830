import {
  type Assembly,
  type AssemblyStack,
  actionCovers,
  type DeployTimeRule,
  deployedBefore,
  type Finding,
  glob,
  isObject,
  list,
  literal,
  referencedIds,
  resourcesOf,
  type Statement,
  statementsOf,
  type TemplateResource,
} from './assembly.ts';

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const PRINCIPAL_ARN = 'aws:principalarn';

/**
 * Whether a policy statement (in `stack`) lets the role `roleArn` of `account` do `action`: the role by
 * its ARN, or the account with no `aws:PrincipalArn` condition or one that names the role.
 */
function admits(
  statement: Statement,
  stack: AssemblyStack,
  account: string,
  roleArn: string,
  action: string,
): boolean {
  if (statement.Effect !== 'Allow' || !list(statement.Action).some((a) => actionCovers(a, action)))
    return false;
  const principals = isObject(statement.Principal) ? list(statement.Principal.AWS) : [];
  const named = principals.map((p) => literal(p, stack));
  if (named.includes(roleArn)) return true;
  const wholeAccount = named.some((p) => p === account || p === `arn:aws:iam::${account}:root`);
  if (!wholeAccount) return false;
  const tests = isObject(statement.Condition) ? Object.values(statement.Condition).filter(isObject) : [];
  const principalArns = tests.flatMap((test) =>
    Object.entries(test)
      .filter(([key]) => key.toLowerCase() === PRINCIPAL_ARN)
      .flatMap(([, value]) => list(value).map((v) => literal(v, stack))),
  );
  return (
    principalArns.length === 0 || principalArns.some((arn) => arn !== undefined && glob(arn).test(roleArn))
  );
}

interface CrossAccountAction {
  readonly name: string;
  readonly region: string;
  readonly roleArn: string;
  readonly account: string;
  readonly roleName: string;
}

/** The actions of a pipeline that run as a role of another account. */
function actionsAsOtherAccounts(pipeline: TemplateResource, stack: AssemblyStack): CrossAccountAction[] {
  return list(pipeline.Properties?.Stages).flatMap((stage) =>
    (isObject(stage) ? list(stage.Actions) : []).flatMap((action) => {
      if (!isObject(action)) return [];
      const roleArn = literal(action.RoleArn, stack);
      const match = roleArn === undefined ? null : ROLE_ARN.exec(roleArn);
      if (roleArn === undefined || match === null || match[2] === stack.account) return [];
      return [
        {
          name: String(action.Name),
          region: typeof action.Region === 'string' ? action.Region : stack.region,
          roleArn,
          account: match[2] as string,
          roleName: match[3] as string,
        },
      ];
    }),
  );
}

/** The resource a value points at: a `Fn::GetAtt`/`Ref` of its stack, or an output of another stack. */
function resolve(
  assembly: Assembly,
  stack: AssemblyStack,
  value: unknown,
): { stack: AssemblyStack; id: string; resource: TemplateResource } | undefined {
  const output = isObject(value) ? value['Fn::GetStackOutput'] : undefined;
  if (isObject(output)) {
    const producer = assembly.stacks.find((s) => s.name === output.StackName && s.region === stack.region);
    const outputs = producer?.json.Outputs as Record<string, { Value: unknown }> | undefined;
    const target = outputs?.[String(output.OutputName)];
    return producer && target ? resolve(assembly, producer, target.Value) : undefined;
  }
  const [id] = [...referencedIds(value)];
  const resource = id === undefined ? undefined : stack.json.Resources[id];
  return id !== undefined && resource !== undefined ? { stack, id, resource } : undefined;
}

/**
 * A cross-account pipeline action runs only if the other account's role trusts the pipeline's role and
 * exists first, and only if that role can read its input: CodePipeline hands it over in the pipeline
 * account's artifact bucket of the action's region, whose bucket policy and key policy must both let
 * another account's role in (its own IAM policy is not enough across accounts).
 */
export const crossAccountAction: DeployTimeRule = {
  id: 'DT-CROSS-ACCOUNT-ACTION',
  what: "A pipeline action that runs as a role of another account names a role that exists before the pipeline, trusts the pipeline's named role, and may read its input: the artifact bucket of the action's region and that bucket's key let the role get and decrypt",
  source:
    'CodePipeline User Guide, "Create a pipeline that uses resources from another AWS account" (the artifact bucket policy and the KMS key policy grant the other account; its role trusts the pipeline account); aws-facts §6',
  check(assembly) {
    return assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::CodePipeline::Pipeline').flatMap(([id, pipeline]) => {
        const finding = (message: string): Finding => ({
          rule: crossAccountAction.id,
          stack: stack.name,
          logicalId: id,
          message,
        });
        const pipelineRole = resolve(assembly, stack, pipeline.Properties?.RoleArn);
        const pipelineRoleName = literal(pipelineRole?.resource.Properties?.RoleName, stack);
        return actionsAsOtherAccounts(pipeline, stack).flatMap((action): Finding[] => {
          const what = `action ${action.name} runs as ${action.roleArn}`;
          if (pipelineRoleName === undefined)
            return [
              finding(
                `${what}, but the pipeline's role has no RoleName: the other account cannot name it in its trust; give it a fixed name`,
              ),
            ];
          const pipelineRoleArn = `arn:aws:iam::${stack.account}:role/${pipelineRoleName}`;
          return [
            ...trustProblems(assembly, stack, action, pipelineRoleArn).map((m) => finding(`${what}: ${m}`)),
            ...inputProblems(assembly, stack, pipeline, action).map((m) => finding(`${what}: ${m}`)),
          ];
        });
      }),
    );
  },
};

function trustProblems(
  assembly: Assembly,
  pipelineStack: AssemblyStack,
  action: CrossAccountAction,
  pipelineRoleArn: string,
): string[] {
  const owners = assembly.stacks.flatMap((s) =>
    s.account === action.account
      ? resourcesOf(s, 'AWS::IAM::Role')
          .filter(([, r]) => literal(r.Properties?.RoleName, s) === action.roleName)
          .map(([, r]) => ({ stack: s, role: r }))
      : [],
  );
  const [owner] = owners;
  if (owner === undefined)
    return [`no stack of account ${action.account} creates a role named ${action.roleName}`];
  const problems: string[] = [];
  if (!deployedBefore(assembly, pipelineStack.name).has(owner.stack.name))
    problems.push(
      `${owner.stack.name}, which creates the role, is not deployed before the pipeline; add the dependency`,
    );
  const trusted = statementsOf(owner.role.Properties?.AssumeRolePolicyDocument).some((s) =>
    admits(s, owner.stack, pipelineStack.account, pipelineRoleArn, 'sts:AssumeRole'),
  );
  if (!trusted)
    problems.push(
      `its trust does not admit the pipeline's role ${pipelineRoleArn}; trust account ${pipelineStack.account} with aws:PrincipalArn = that ARN`,
    );
  return problems;
}

function inputProblems(
  assembly: Assembly,
  pipelineStack: AssemblyStack,
  pipeline: TemplateResource,
  action: CrossAccountAction,
): string[] {
  const store = list(pipeline.Properties?.ArtifactStores).find(
    (s) => isObject(s) && s.Region === action.region,
  ) as { ArtifactStore?: { Location?: unknown } } | undefined;
  const location = literal(
    store?.ArtifactStore?.Location ?? pipeline.Properties?.ArtifactStore,
    pipelineStack,
  );
  if (location === undefined)
    return [`the pipeline has no artifact store with a literal bucket name in ${action.region}`];
  const holder = assembly.stacks
    .filter((s) => s.account === pipelineStack.account && s.region === action.region)
    .flatMap((s) =>
      resourcesOf(s, 'AWS::S3::Bucket')
        .filter(([, b]) => literal(b.Properties?.BucketName, s) === location)
        .map(([bucketId, bucket]) => ({ stack: s, bucketId, bucket })),
    )[0];
  if (holder === undefined)
    return [`no stack of the pipeline's account creates its artifact bucket ${location} in ${action.region}`];
  const problems: string[] = [];
  const bucketPolicies = resourcesOf(holder.stack, 'AWS::S3::BucketPolicy').filter(([, p]) =>
    referencedIds(p.Properties?.Bucket).has(holder.bucketId),
  );
  const readable = bucketPolicies.some(([, p]) =>
    statementsOf(p.Properties?.PolicyDocument).some((s) =>
      admits(s, holder.stack, action.account, action.roleArn, 's3:GetObject'),
    ),
  );
  if (!readable)
    problems.push(
      `the artifact bucket ${location} does not let it get objects; add a bucket policy statement for it`,
    );
  const encryption = list(
    (
      holder.bucket.Properties?.BucketEncryption as
        | { ServerSideEncryptionConfiguration?: unknown }
        | undefined
    )?.ServerSideEncryptionConfiguration,
  )[0] as { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } } | undefined;
  const key = resolve(assembly, holder.stack, encryption?.ServerSideEncryptionByDefault?.KMSMasterKeyID);
  if (key === undefined || key.resource.Type !== 'AWS::KMS::Key')
    return [
      ...problems,
      `the artifact bucket ${location} is not encrypted with a key of the estate, which could grant another account`,
    ];
  const decrypts = statementsOf(key.resource.Properties?.KeyPolicy).some((s) =>
    admits(s, key.stack, action.account, action.roleArn, 'kms:Decrypt'),
  );
  if (!decrypts)
    problems.push(
      `the key of the artifact bucket ${location} (${key.stack.name}/${key.id}) does not let it decrypt; add a key policy statement for it`,
    );
  return problems;
}
