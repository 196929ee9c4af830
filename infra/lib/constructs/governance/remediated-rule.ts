import { Stack } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IDependable } from 'constructs';

/** A value Config passes to the runbook: the non-compliant resource's id, or fixed values. */
export type RemediationParameter = { readonly resourceId: true } | { readonly values: readonly string[] };

/** How often Config tries to fix one resource. */
export interface RemediationRetries {
  /** Attempts per resource before Config leaves it non-compliant. */
  readonly maximumAttempts: number;
  /** Seconds within which those attempts count. */
  readonly retrySeconds: number;
}

/** Props of {@link RemediatedRule}. */
export interface RemediatedRuleProps {
  /** The rule's name, unique in the account and region. */
  readonly ruleName: string;
  /** One line on what the rule checks. */
  readonly description: string;
  /** The AWS managed rule (`config.ManagedRuleIdentifiers`). */
  readonly identifier: string;
  /** The managed rule's parameters. @default - none */
  readonly inputParameters?: Record<string, unknown>;
  /** The resource types evaluated. */
  readonly resourceTypes: readonly config.ResourceType[];
  /** The Automation document that fixes one resource: ours by name, or an AWS managed one. */
  readonly documentName: string;
  /** The runbook's parameters other than AutomationAssumeRole. */
  readonly parameters: Readonly<Record<string, RemediationParameter>>;
  /** What the runbook does with the role: exactly what it needs. */
  readonly permissions: readonly iam.PolicyStatement[];
  /** Attempts and their window. */
  readonly retries: RemediationRetries;
  /** What must exist before the rule is created (the recorder, when the estate creates it). @default - nothing */
  readonly after?: readonly IDependable[];
}

/**
 * One AWS Config managed rule and its automatic remediation: each non-compliant resource starts the
 * runbook with the resource's id, as a role that only SSM may assume, only for automations of this
 * account, and that may do only what the runbook does.
 */
export class RemediatedRule extends Construct {
  /** The rule. */
  readonly rule: config.ManagedRule;
  /** The remediation configuration. */
  readonly remediation: config.CfnRemediationConfiguration;
  /** The role the runbook runs as. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RemediatedRuleProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    this.rule = new config.ManagedRule(this, 'Rule', {
      configRuleName: props.ruleName,
      description: props.description,
      identifier: props.identifier,
      inputParameters: props.inputParameters,
      ruleScope: config.RuleScope.fromResources([...props.resourceTypes]),
    });
    for (const dependency of props.after ?? []) this.rule.node.addDependency(dependency);

    // Scoped by account and by automation ARN: the confused-deputy protection Systems Manager documents.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:ssm:${region}:${account}:automation-execution/*` },
        },
      }),
      description: `Remediation of the ${props.ruleName} Config rule (${props.documentName})`,
    });
    for (const statement of props.permissions) this.role.addToPrincipalPolicy(statement);

    const parameters: Record<string, unknown> = {
      AutomationAssumeRole: { StaticValue: { Values: [this.role.roleArn] } },
    };
    for (const [name, value] of Object.entries(props.parameters)) {
      parameters[name] =
        'resourceId' in value
          ? { ResourceValue: { Value: 'RESOURCE_ID' } }
          : { StaticValue: { Values: [...value.values] } };
    }
    this.remediation = new config.CfnRemediationConfiguration(this, 'Remediation', {
      configRuleName: this.rule.configRuleName,
      targetType: 'SSM_DOCUMENT',
      targetId: props.documentName,
      automatic: true,
      maximumAutomaticAttempts: props.retries.maximumAttempts,
      retryAttemptSeconds: props.retries.retrySeconds,
      parameters,
    });
    // Config starts the runbook as soon as the rule finds something: the role must already be usable.
    this.remediation.node.addDependency(this.role);
  }
}
