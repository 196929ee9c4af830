import type { Assembly, AssemblyStack, TemplateDocument } from '../../../lib/rules/index.ts';

export const PRIMARY = '111111111111';
export const RECOVERY = '222222222222';

type Resources = TemplateDocument['Resources'];

/** A stack of the primary account in us-east-1 unless told otherwise. */
export function stack(
  name: string,
  resources: Resources,
  env: Partial<Pick<AssemblyStack, 'account' | 'region' | 'dependsOn'>> & { parameters?: object } = {},
): AssemblyStack {
  return {
    name,
    account: env.account ?? PRIMARY,
    region: env.region ?? 'us-east-1',
    dependsOn: env.dependsOn ?? [],
    json: { Resources: resources, ...(env.parameters === undefined ? {} : { Parameters: env.parameters }) },
  };
}

export const assembly = (...stacks: AssemblyStack[]): Assembly => ({ stacks });

export const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
export const ref = (id: string) => ({ Ref: id });

/** A Lambda function whose role is `role`. */
export const fn = (role: string, props: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Runtime: 'nodejs24.x', Role: arn(role), ...props },
});

/** A role trusted by a service. */
export const role = (service: string, props: Record<string, unknown> = {}) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: service } }],
    },
    ...props,
  },
});

/** An inline policy of `roleId` with the statements given. */
export const policy = (roleId: string, ...Statement: object[]) => ({
  Type: 'AWS::IAM::Policy',
  Properties: { PolicyDocument: { Statement }, PolicyName: `${roleId}Policy`, Roles: [ref(roleId)] },
});
