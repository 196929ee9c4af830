import {
  type AssemblyStack,
  allows,
  type DeployTimeRule,
  type Finding,
  isObject,
  list,
  literal,
  localId,
  managedPolicyNames,
  resourcesOf,
  roleStatements,
} from './assembly.ts';

const INVOKE = 'lambda:InvokeFunction';
const FUNCTION = 'AWS::Lambda::Function';

const finding = (rule: string, stack: AssemblyStack, logicalId: string, message: string): Finding => ({
  rule,
  stack: stack.name,
  logicalId,
  message,
});

/** The local function a value points at (its ARN by GetAtt, or its name by Ref), if any. */
function localFunction(stack: AssemblyStack, value: unknown): string | undefined {
  const id = localId(value);
  return id !== undefined && stack.json.Resources[id]?.Type === FUNCTION ? id : undefined;
}

const arnOf = (fn: string) => ({ 'Fn::GetAtt': [fn, 'Arn'] });

/** Whether role `roleId` of the stack may invoke function `fn`, by its identity policies. */
function roleMayInvoke(stack: AssemblyStack, roleId: string, fn: string): boolean {
  return allows(roleStatements(stack, roleId), INVOKE, arnOf(fn));
}

export const ecsHookInvoke: DeployTimeRule = {
  id: 'DT-INVOKE-ECS-HOOK',
  what: 'Every ECS deployment lifecycle hook’s role may invoke the hook’s function (a role passed to DeploymentLifecycleLambdaTarget gets no grant from CDK)',
  source:
    'aws-facts §17 (ECS native blue/green lifecycle hooks); Amazon ECS Developer Guide, "Permissions required for Lambda functions in Amazon ECS blue/green deployments"',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::ECS::Service').flatMap(([id, r]) => {
        const config = r.Properties?.DeploymentConfiguration;
        const hooks = isObject(config) ? list(config.LifecycleHooks).filter(isObject) : [];
        return hooks.flatMap((hook): Finding[] => {
          const fn = localFunction(stack, hook.HookTargetArn);
          const role = localId(hook.RoleArn);
          if (fn === undefined) return [];
          if (role === undefined || stack.json.Resources[role]?.Type !== 'AWS::IAM::Role') {
            return [
              finding(
                ecsHookInvoke.id,
                stack,
                id,
                `hook ${fn} is called through a role defined elsewhere (${JSON.stringify(hook.RoleArn)}): create the role here and grant it ${INVOKE} on the function`,
              ),
            ];
          }
          return roleMayInvoke(stack, role, fn)
            ? []
            : [
                finding(
                  ecsHookInvoke.id,
                  stack,
                  id,
                  `role ${role} may not invoke hook ${fn}: every deployment fails at the hook and rolls back; add hook.grantInvoke(role)`,
                ),
              ];
        });
      }),
    ),
};

/** Managed policies that let CodeDeploy invoke hooks named `CodeDeployHook_*`. */
const CODEDEPLOY_LAMBDA_POLICIES = [
  'service-role/AWSCodeDeployRoleForLambda',
  'service-role/AWSCodeDeployRoleForLambdaLimited',
];

export const codeDeployHookInvoke: DeployTimeRule = {
  id: 'DT-INVOKE-CODEDEPLOY-HOOK',
  what: 'Every Lambda traffic-shifting hook (BeforeAllowTraffic, AfterAllowTraffic) may be invoked by its deployment group’s service role',
  source:
    'CodeDeploy User Guide, AppSpec "hooks" for Lambda; AWS managed policy AWSCodeDeployRoleForLambda (invokes only function:CodeDeployHook_*)',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, 'AWS::Lambda::Alias').flatMap(([id, r]) => {
        const update = isObject(r.UpdatePolicy) ? r.UpdatePolicy.CodeDeployLambdaAliasUpdate : undefined;
        if (!isObject(update)) return [];
        const group = localId(update.DeploymentGroupName);
        const role =
          group === undefined ? undefined : localId(stack.json.Resources[group]?.Properties?.ServiceRoleArn);
        return [update.BeforeAllowTrafficHook, update.AfterAllowTrafficHook].flatMap((hook): Finding[] => {
          const fn = localFunction(stack, hook);
          if (fn === undefined) return [];
          if (role === undefined) {
            return [
              finding(
                codeDeployHookInvoke.id,
                stack,
                id,
                `cannot find the service role of the deployment group of hook ${fn}: give the group a role of this stack allowed to invoke it`,
              ),
            ];
          }
          const name = literal(stack.json.Resources[fn]?.Properties?.FunctionName, stack) ?? '';
          const byManagedPolicy =
            name.startsWith('CodeDeployHook_') &&
            managedPolicyNames(stack, role).some((p) => CODEDEPLOY_LAMBDA_POLICIES.includes(p));
          return byManagedPolicy || roleMayInvoke(stack, role, fn)
            ? []
            : [
                finding(
                  codeDeployHookInvoke.id,
                  stack,
                  id,
                  `CodeDeploy role ${role} may not invoke hook ${fn}: the deployment fails at the hook; grant ${INVOKE} on it (LambdaDeploymentGroup preHook/postHook does)`,
                ),
              ];
        });
      }),
    ),
};

/** Whether a resource-based permission lets `principal` invoke `fn`, from `source` when given. */
function permitted(stack: AssemblyStack, fn: string, principal: string, source: string): boolean {
  return resourcesOf(stack, 'AWS::Lambda::Permission').some(([, p]) => {
    const props = p.Properties ?? {};
    const sourceArn = props.SourceArn;
    return (
      localFunction(stack, props.FunctionName) === fn &&
      (props.Action === INVOKE || props.Action === 'lambda:*') &&
      props.Principal === principal &&
      (sourceArn === undefined || localId(sourceArn) === source)
    );
  });
}

/** A rule that every local function some service calls carries that service's resource permission. */
function permissionRule(
  id: string,
  what: string,
  source: string,
  principal: string,
  callers: (stack: AssemblyStack) => { caller: string; target: unknown }[],
): DeployTimeRule {
  return {
    id,
    what,
    source,
    check: (assembly) =>
      assembly.stacks.flatMap((stack) =>
        callers(stack).flatMap(({ caller, target }): Finding[] => {
          const fn = localFunction(stack, target);
          return fn === undefined || permitted(stack, fn, principal, caller)
            ? []
            : [
                finding(
                  id,
                  stack,
                  caller,
                  `calls function ${fn}, which grants ${principal} no ${INVOKE} (AWS::Lambda::Permission with SourceArn of ${caller}): the call is refused at run time`,
                ),
              ];
        }),
      ),
  };
}

export const eventTargetInvoke = permissionRule(
  'DT-INVOKE-EVENTS',
  'Every EventBridge rule targeting a function of its stack has a permission for events.amazonaws.com from that rule',
  'EventBridge User Guide, "Using resource-based policies for Amazon EventBridge" (Lambda permissions)',
  'events.amazonaws.com',
  (stack) =>
    resourcesOf(stack, 'AWS::Events::Rule').flatMap(([caller, r]) =>
      list(r.Properties?.Targets)
        .filter(isObject)
        .map((t) => ({ caller, target: t.Arn })),
    ),
);

export const snsSubscriptionInvoke = permissionRule(
  'DT-INVOKE-SNS',
  'Every SNS subscription of a function of its stack has a permission for sns.amazonaws.com from that topic',
  'SNS Developer Guide, "Fanout to Lambda functions" (lambda:AddPermission for sns.amazonaws.com)',
  'sns.amazonaws.com',
  (stack) => [
    ...resourcesOf(stack, 'AWS::SNS::Subscription')
      .filter(([, r]) => r.Properties?.Protocol === 'lambda')
      .map(([, r]) => ({ caller: localId(r.Properties?.TopicArn) ?? '', target: r.Properties?.Endpoint })),
    ...resourcesOf(stack, 'AWS::SNS::Topic').flatMap(([caller, r]) =>
      list(r.Properties?.Subscription)
        .filter((s) => isObject(s) && s.Protocol === 'lambda')
        .map((s) => ({ caller, target: (s as Record<string, unknown>).Endpoint })),
    ),
  ],
);

export const alarmActionInvoke = permissionRule(
  'DT-INVOKE-ALARM',
  'Every CloudWatch alarm whose action is a function of its stack has a permission for lambda.alarms.cloudwatch.amazonaws.com from that alarm',
  'CloudWatch User Guide, "Using Amazon CloudWatch alarms" (Lambda alarm actions: resource policy for lambda.alarms.cloudwatch.amazonaws.com)',
  'lambda.alarms.cloudwatch.amazonaws.com',
  (stack) =>
    resourcesOf(stack, 'AWS::CloudWatch::Alarm').flatMap(([caller, r]) =>
      ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((k) =>
        list(r.Properties?.[k]).map((target) => ({ caller, target })),
      ),
    ),
);

export const functionChainInvoke: DeployTimeRule = {
  id: 'DT-INVOKE-FUNCTION-CHAIN',
  what: 'A function given another function’s ARN in its environment (a custom resource provider’s onEvent/isComplete, a pre-traffic hook’s target) may invoke it',
  source:
    'aws-cdk-lib custom-resources README (Provider framework: the framework function invokes the user handlers); Lambda Developer Guide, "Invoke" permissions',
  check: (assembly) =>
    assembly.stacks.flatMap((stack) =>
      resourcesOf(stack, FUNCTION).flatMap(([id, r]) => {
        const env = r.Properties?.Environment;
        const variables = isObject(env) && isObject(env.Variables) ? env.Variables : {};
        const role = localId(r.Properties?.Role);
        return Object.entries(variables).flatMap(([name, value]): Finding[] => {
          const target = localId(value);
          const kind = target === undefined ? undefined : stack.json.Resources[target]?.Type;
          if (!/FUNCTION_ARN$/.test(name) || target === undefined) return [];
          if (kind !== FUNCTION && kind !== 'AWS::Lambda::Version' && kind !== 'AWS::Lambda::Alias')
            return [];
          if (role !== undefined && allows(roleStatements(stack, role), INVOKE, value)) return [];
          return [
            finding(
              functionChainInvoke.id,
              stack,
              id,
              `is given ${name} = ${target} but its role ${role ?? '(not of this stack)'} may not invoke it: grant ${INVOKE} on exactly that ARN`,
            ),
          ];
        });
      }),
    ),
};
