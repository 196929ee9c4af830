import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RunbookDocument } from './runbook-document.ts';

/** The severities patched without a human; lower ones wait for the next golden AMI. */
export const PATCHED_SEVERITIES = ['HIGH', 'CRITICAL'] as const;

/** The metric the runbook writes, one datapoint per run. */
export const PATCH_METRIC = { namespace: 'Hello/Governance', name: 'InspectorPatches' } as const;

/** Props of {@link FindingPatching}. */
export interface FindingPatchingProps {
  /** The region's alarm topic: told when a patch run fails. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * A high or critical Inspector finding on an EC2 instance of this account patches that instance
 * (GOV-4, GOV-5): an EventBridge rule starts our patching runbook (deploy/runbooks/patch-instance.yaml)
 * with the finding's instance id; the runbook runs AWS-RunPatchBaseline and records Patched or Failed,
 * and a failure raises an alarm on the region's topic. Inspector rescans the instance after the patch
 * and closes the finding. EventBridge starts the automation as a role of ours that may start only this
 * runbook and pass only the runbook's role; the runbook's role may patch instances and write its metric.
 */
export class FindingPatching extends Construct {
  /** The rule on Inspector findings. */
  readonly rule: events.Rule;
  /** The runbook. */
  readonly runbook: RunbookDocument;
  /** The role the runbook runs as. */
  readonly automationRole: iam.Role;
  /** The role EventBridge starts the automation as. */
  readonly startRole: iam.Role;
  /** In alarm when a patch run failed. */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FindingPatchingProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    this.runbook = new RunbookDocument(this, 'Runbook', { runbook: 'patch-instance' });
    const documentName = this.runbook.documentName;

    this.automationRole = new iam.Role(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:ssm:${region}:${account}:automation-execution/*` },
        },
      }),
      description:
        'Patches the instance an Inspector finding names (AWS-RunPatchBaseline) and records the outcome',
    });
    const instances = `arn:${partition}:ec2:${region}:${account}:instance/*`;
    this.automationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [`arn:${partition}:ssm:${region}::document/AWS-RunPatchBaseline`, instances],
      }),
    );
    // Command ids are not known in advance, and these reads take no narrower resource.
    this.automationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
        resources: ['*'],
      }),
    );
    this.automationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': PATCH_METRIC.namespace } },
      }),
    );

    this.startRole = new iam.Role(this, 'StartRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Lets EventBridge start the patching runbook, and nothing else',
    });
    this.startRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartAutomationExecution'],
        resources: [`arn:${partition}:ssm:${region}:${account}:automation-definition/${documentName}:*`],
      }),
    );
    this.startRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );

    this.rule = new events.Rule(this, 'Rule', {
      description:
        'High and critical Inspector findings on an EC2 instance of this account start its patching',
      eventPattern: {
        source: ['aws.inspector2'],
        detailType: ['Inspector2 Finding'],
        account: [account],
        detail: {
          severity: [...PATCHED_SEVERITIES],
          status: ['ACTIVE'],
          resources: { type: ['AWS_EC2_INSTANCE'] },
        },
      },
    });
    const automationRoleArn = this.automationRole.roleArn;
    const startRole = this.startRole;
    // aws-events-targets has no Automation target: EventBridge takes the runbook's automation-definition
    // ARN and the runbook's parameters, each as a list of strings.
    this.rule.addTarget({
      bind: () => ({
        arn: `arn:${partition}:ssm:${region}:${account}:automation-definition/${documentName}:$DEFAULT`,
        role: startRole,
        input: events.RuleTargetInput.fromObject({
          InstanceId: [events.EventField.fromPath('$.detail.resources[0].id')],
          AutomationAssumeRole: [automationRoleArn],
        }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAge: Duration.hours(1) },
      }),
    });

    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'A patch run started by an Inspector finding failed: the instance is still vulnerable',
      metric: new cloudwatch.Metric({
        namespace: PATCH_METRIC.namespace,
        metricName: PATCH_METRIC.name,
        dimensionsMap: { Outcome: 'Failed' },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));

    Validations.of(this.automationRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The automation reads the command it sent (id unknown in advance) and writes one metric namespace (cloudwatch:namespace condition); neither takes a narrower resource',
    });
    const literal = Stack.of(this).resolve(instances) as string;
    Validations.of(this.automationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${literal}]`,
      reason: 'Any instance of this account and region an Inspector finding names; only AWS-RunPatchBaseline',
    });
    const definition = Stack.of(this).resolve(
      `arn:${partition}:ssm:${region}:${account}:automation-definition/${documentName}:*`,
    ) as unknown;
    Validations.of(this.startRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(definition)}]`,
      reason: 'Every version of the one patching runbook',
    });
  }
}

/** A resolved Fn::Join as cdk-nag names it in a finding: references as `<LogicalId>`, pseudo parameters as `<AWS::X>`. */
function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map(flattenForNag).join('');
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  return JSON.stringify(value);
}
