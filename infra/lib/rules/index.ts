/**
 * Deploy-time rules (SEC-3): constraints a first `cdk deploy --all` into fresh accounts enforces but
 * synthesis, cdk-nag and cfn-lint do not (aws-facts §17). Each rule is a small pure function over the
 * whole cloud assembly: every stack's template with its account, region and dependencies.
 *
 * Why hand-written rules rather than a rule engine: several rules need more than one resource or one
 * template at a time — which stack creates a role or an alias and whether it is deployed before the
 * stack naming it, which vault of which account a copy action targets and its lock, which function a
 * hook's role may invoke. cdk-nag rule packs see one resource at synthesis, inside one stack;
 * CloudFormation Guard (also through @cdklabs/cdk-validator-cfnguard) evaluates one template at a
 * time and knows neither stack order nor accounts. Both stay right for single-resource policy (cdk-nag
 * runs in the estate already); these rules cover what needs the assembly.
 */
import type { Assembly, DeployTimeRule, Finding, RuleOptions } from './assembly.ts';
import { customResourceAssumeRole } from './assume-role.ts';
import {
  actionResourceFormats,
  copyFunctionRetention,
  lockedVaultRetention,
  selectionRolePolicies,
} from './backup.ts';
import { crossAccountAction } from './cross-account.ts';
import {
  alarmActionInvoke,
  codeDeployHookInvoke,
  ecsHookInvoke,
  eventTargetInvoke,
  functionChainInvoke,
  snsSubscriptionInvoke,
} from './invoke-grants.ts';
import { publicHttpRedirects } from './listeners.ts';
import { crossStackOrder } from './ordering.ts';
import { policyPrincipals } from './principals.ts';
import { serviceTrustScoped } from './trust.ts';
import {
  noPinnedEngineMinor,
  noPinnedPlatform,
  noReservedConcurrency,
  noRetiringRuntime,
} from './versions.ts';

export type {
  Assembly,
  AssemblyStack,
  DeployTimeRule,
  Finding,
  RuleOptions,
  TemplateDocument,
} from './assembly.ts';

/** Every deploy-time rule, one per row of the table. */
export const DEPLOY_TIME_RULES: readonly DeployTimeRule[] = [
  policyPrincipals,
  crossStackOrder,
  noReservedConcurrency,
  ecsHookInvoke,
  codeDeployHookInvoke,
  eventTargetInvoke,
  snsSubscriptionInvoke,
  alarmActionInvoke,
  functionChainInvoke,
  actionResourceFormats,
  lockedVaultRetention,
  copyFunctionRetention,
  selectionRolePolicies,
  noPinnedPlatform,
  noPinnedEngineMinor,
  noRetiringRuntime,
  serviceTrustScoped,
  publicHttpRedirects,
  customResourceAssumeRole,
  crossAccountAction,
];

/**
 * The findings of every rule over an assembly, empty when it would deploy into fresh accounts; a
 * resource that breaks a rule twice the same way (two statements naming one role) is reported once.
 */
export function checkAssembly(
  assembly: Assembly,
  options: RuleOptions = {},
  rules: readonly DeployTimeRule[] = DEPLOY_TIME_RULES,
): Finding[] {
  const seen = new Set<string>();
  return rules
    .flatMap((rule) => rule.check(assembly, options))
    .filter((f) => !seen.has(formatFinding(f)) && seen.add(formatFinding(f)));
}

/** One line per finding: `RULE stack/logicalId: message`. */
export function formatFinding(f: Finding): string {
  return `${f.rule} ${f.stack}/${f.logicalId}: ${f.message}`;
}

/** The rules as a Markdown table (id, what, source), for the README. */
export function rulesTable(rules: readonly DeployTimeRule[] = DEPLOY_TIME_RULES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| id | what it checks | source |',
    '|---|---|---|',
    ...rules.map((r) => `| \`${r.id}\` | ${cell(r.what)} | ${cell(r.source)} |`),
  ].join('\n');
}
