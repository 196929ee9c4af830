import {
  type AssemblyStack,
  actionCovers,
  type DeployTimeRule,
  type Finding,
  isObject,
  list,
  literal,
  resourcesOf,
  type Statement,
  statementsOf,
} from './assembly.ts';

const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** The logical id behind `{ "Fn::GetAtt": [id, "Arn"] }`. */
const getAttId = (value: unknown): string | undefined => {
  const att = isObject(value) ? value['Fn::GetAtt'] : undefined;
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
};

/** The statements of the stack's inline policies attached to role `roleId`. */
function grantsOf(stack: AssemblyStack, roleId: string) {
  return resourcesOf(stack, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .flatMap(([, p]) => statementsOf(p.Properties?.PolicyDocument));
}

/** Whether a trust statement lets `account` (its root or any of its roles) call sts:AssumeRole. */
function admits(statement: Statement, account: string): boolean {
  if (statement.Effect !== 'Allow' || !list(statement.Action).some((a) => actionCovers(a, 'sts:AssumeRole')))
    return false;
  const principal = isObject(statement.Principal) ? list(statement.Principal.AWS) : [];
  return principal.some(
    (p) => typeof p === 'string' && (p === account || p.startsWith(`arn:aws:iam::${account}:`)),
  );
}

export const customResourceAssumeRole: DeployTimeRule = {
  id: 'DT-CUSTOM-RESOURCE-ASSUME-ROLE',
  what: 'A custom resource that assumes a role by ARN (AssumeRoleArn, as CDK’s cross-account zone delegation record does) has a provider whose role may sts:AssumeRole it, and a role of another account that the assembly creates trusts the custom resource’s account',
  source:
    'IAM User Guide, "Cross account resource access in IAM" (both the caller’s identity policy and the role’s trust policy must allow sts:AssumeRole); aws-cdk-lib aws-route53 README, "Cross Account Zone Delegation"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, (t) => t.startsWith('Custom::')).flatMap(([id, r]): Finding[] => {
        const target = r.Properties?.AssumeRoleArn;
        if (target === undefined) return [];
        const finding = (message: string): Finding => ({
          rule: customResourceAssumeRole.id,
          stack: stack.name,
          logicalId: id,
          message,
        });
        const found: Finding[] = [];
        const handler = stack.json.Resources[getAttId(r.Properties?.ServiceToken) ?? ''];
        const providerRole = getAttId(handler?.Properties?.Role);
        const wanted = JSON.stringify(target);
        const granted =
          providerRole !== undefined &&
          grantsOf(stack, providerRole).some(
            (s) =>
              s.Effect === 'Allow' &&
              list(s.Action).some((a) => actionCovers(a, 'sts:AssumeRole')) &&
              list(s.Resource).some((res) => res === '*' || JSON.stringify(res) === wanted),
          );
        if (!granted)
          found.push(
            finding(
              `its provider's role may not sts:AssumeRole ${literal(target, stack) ?? wanted}: every create, update and delete fails with AccessDenied; grant it on the provider's role`,
            ),
          );
        const arn = ROLE_ARN.exec(literal(target, stack) ?? '');
        const [, account, name] = arn ?? [];
        if (account === undefined || account === stack.account) return found;
        const creators = assembly.stacks.filter((s) => s.account === account);
        for (const creator of creators) {
          for (const [roleId, role] of resourcesOf(creator, 'AWS::IAM::Role')) {
            if (role.Properties?.RoleName !== name) continue;
            if (
              !statementsOf(role.Properties?.AssumeRolePolicyDocument).some((s) => admits(s, stack.account))
            )
              found.push(
                finding(
                  `assumes ${creator.name}/${roleId} (${name}), whose trust policy does not admit account ${stack.account}: add it as a principal`,
                ),
              );
          }
        }
        return found;
      }),
    ),
};
