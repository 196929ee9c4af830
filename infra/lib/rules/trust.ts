import { type DeployTimeRule, type Finding, isObject, list, resourcesOf, statementsOf } from './assembly.ts';

/**
 * Service principals whose documentation tells to scope a role's trust with aws:SourceAccount or
 * aws:SourceArn, with the page that says so. Services whose documented trust policies carry no such
 * condition (EC2 instance roles, Lambda execution roles, ECS task roles and the ECS infrastructure
 * role, Elastic Beanstalk, AWS Backup, S3 replication) are left out until their documentation says so:
 * a condition a service does not send denies every AssumeRole.
 */
export const SOURCE_SCOPED_SERVICES: Readonly<Record<string, string>> = {
  'codedeploy.amazonaws.com': 'CodeDeploy User Guide, "Cross-service confused deputy prevention"',
  'vpc-flow-logs.amazonaws.com':
    'Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch Logs"',
  'ssm.amazonaws.com': 'AWS Systems Manager User Guide, "Cross-service confused deputy prevention"',
  'config.amazonaws.com':
    'AWS Config Developer Guide, "Permissions for the IAM role assigned to AWS Config" (aws:SourceAccount in the trust policy)',
};

const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn'];

/** Whether a statement's condition compares aws:SourceAccount or aws:SourceArn. */
function scoped(condition: unknown): boolean {
  return (
    isObject(condition) &&
    Object.values(condition).some(
      (test) => isObject(test) && Object.keys(test).some((k) => SOURCE_KEYS.includes(k.toLowerCase())),
    )
  );
}

export const serviceTrustScoped: DeployTimeRule = {
  id: 'DT-TRUST-SOURCE-SCOPED',
  what: `Every role a service assumes on the account’s behalf, for the services that support it (${Object.keys(SOURCE_SCOPED_SERVICES).join(', ')}), admits that service only with an aws:SourceAccount or aws:SourceArn condition`,
  source: `IAM User Guide, "The confused deputy problem"; ${Object.values(SOURCE_SCOPED_SERVICES).join('; ')}`,
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::IAM::Role').flatMap(([id, r]) =>
        statementsOf(r.Properties?.AssumeRolePolicyDocument).flatMap((s): Finding[] => {
          const services = isObject(s.Principal) ? list(s.Principal.Service) : [];
          const open = services.filter(
            (svc) => typeof svc === 'string' && svc in SOURCE_SCOPED_SERVICES && !scoped(s.Condition),
          );
          return open.map((svc) => ({
            rule: serviceTrustScoped.id,
            stack: stack.name,
            logicalId: id,
            message: `trusts ${String(svc)} without aws:SourceAccount/aws:SourceArn: any account's ${String(svc)} resource could be pointed at this role; add StringEquals aws:SourceAccount = ${stack.account}`,
          }));
        }),
      ),
    ),
};
