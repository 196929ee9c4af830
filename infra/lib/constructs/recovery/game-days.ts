import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { DrillScenario } from './scenarios.ts';

export { DRILL_SCENARIOS, type DrillScenario } from './scenarios.ts';

/** Props of {@link GameDays}. */
export interface GameDaysProps {
  /** The tag every resource of the estate carries (`app` = the app name): what the experiments target. */
  readonly tag: { readonly key: string; readonly value: string };
  /**
   * Alarms any of which stops an experiment: the users' errors went past what the drill may cost. Every
   * template but `region-dns` stops on these (that one names its own); none: only `region-dns` is possible.
   */
  readonly stopAlarms: readonly cloudwatch.IAlarm[];
  /** The estate key of the region: instances started again after a stop need a grant on their volumes' key. */
  readonly key: kms.IKey;
  /** How long a fault lasts, ISO 8601 (`PT10M`). */
  readonly duration: string;
}

/**
 * The region's AWS FIS experiment templates and the one role they run with. Each scenario is a method,
 * so a stack adds only those its region has resources for; each adds its own statements to the role,
 * scoped to the estate's tag or to the named resource, so the role can do no more than the templates ask.
 * Every template stops when any stop alarm fires. Experiments are started by `npm run drill`, never by
 * a deploy: a template costs nothing until it runs.
 */
export class GameDays extends Construct {
  /** The role FIS assumes for every experiment of the region. */
  readonly role: iam.Role;
  /** The templates by scenario. */
  readonly templates = new Map<DrillScenario, fis.CfnExperimentTemplate>();
  readonly #props: GameDaysProps;

  constructor(scope: Construct, id: string, props: GameDaysProps) {
    super(scope, id);
    this.#props = props;
    const stack = Stack.of(this);
    // Describe, tag-lookup and InjectApiError calls have no resource-level scope (InjectApiError is
    // scoped by its FisActionId condition instead).
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Describe*, tag:GetResources, autoscaling:DescribeAutoScalingGroups and ecs:ListTasks take no resource; ec2:InjectApiError is limited by ec2:FisActionId',
    });
    this.role = new iam.Role(this, 'Role', {
      description: 'AWS FIS experiments of the estate (game days)',
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'fis', resource: 'experiment', resourceName: '*' }),
          },
        },
      }),
    });
  }

  /**
   * The AZ power interruption of the FIS scenario library, as far as CloudFormation can say it: the
   * instances of the zone stop (and start again after the duration), the zone's subnets lose all
   * traffic, Auto Scaling cannot launch there, and the Aurora cluster fails over if its writer is there.
   * Left out: the EBS I/O pause (the zone's instances are stopped anyway) and ElastiCache (none here).
   */
  azPowerInterruption(zone: string, clusterArn?: string): fis.CfnExperimentTemplate {
    const instances = this.#instancesIn(zone);
    const subnets = this.#tagged('aws:ec2:subnet', [{ path: 'AvailabilityZone', values: [zone] }]);
    const groups = this.#tagged('aws:ec2:autoscaling-group');
    this.#allowStopInstances();
    this.#allowCapacityErrors();
    this.#allowNetworkDisruption();
    const targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty> = {
      Instances: instances,
      Subnets: subnets,
      AutoScalingGroups: groups,
    };
    const actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty> = {
      StopInstances: {
        actionId: 'aws:ec2:stop-instances',
        description: `Power off the instances of ${zone}`,
        parameters: {
          startInstancesAfterDuration: this.#props.duration,
          completeIfInstancesTerminated: 'true',
        },
        targets: { Instances: 'Instances' },
      },
      DisruptSubnets: {
        actionId: 'aws:network:disrupt-connectivity',
        description: `Cut all traffic of the subnets of ${zone}`,
        parameters: { duration: this.#props.duration, scope: 'all' },
        targets: { Subnets: 'Subnets' },
      },
      NoCapacity: {
        actionId: 'aws:ec2:asg-insufficient-instance-capacity-error',
        description: `Auto Scaling cannot launch in ${zone}`,
        parameters: { availabilityZoneIdentifiers: zone, duration: this.#props.duration, percentage: '100' },
        targets: { AutoScalingGroups: 'AutoScalingGroups' },
      },
    };
    if (clusterArn !== undefined) {
      this.#allowClusterFailover(clusterArn);
      targets.Clusters = {
        resourceType: 'aws:rds:cluster',
        resourceArns: [clusterArn],
        selectionMode: 'ALL',
        parameters: { writerAvailabilityZoneIdentifiers: zone },
      };
      actions.FailoverCluster = {
        actionId: 'aws:rds:failover-db-cluster',
        description: `Move the database writer out of ${zone}`,
        targets: { Clusters: 'Clusters' },
      };
    }
    return this.#template('az-power', `AZ power interruption in ${zone}`, targets, actions);
  }

  /** Aurora moves its writer to a reader in another zone (DR-2's automatic AZ failover). */
  auroraFailover(clusterArn: string): fis.CfnExperimentTemplate {
    this.#allowClusterFailover(clusterArn);
    return this.#template(
      'aurora-failover',
      'Aurora cluster failover to a reader in another AZ',
      { Clusters: { resourceType: 'aws:rds:cluster', resourceArns: [clusterArn], selectionMode: 'ALL' } },
      {
        FailoverCluster: {
          actionId: 'aws:rds:failover-db-cluster',
          description: 'Fail the writer over',
          targets: { Clusters: 'Clusters' },
        },
      },
    );
  }

  /** Half of the ECS service's tasks stop; the service must start others while the rest serve. */
  ecsTaskStop(cluster: string, service: string, clusterArn: string): fis.CfnExperimentTemplate {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [
          this.#acknowledged(
            Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: '*' }),
            'the tasks of the service, whose ids change with every deployment; this cluster only (the condition)',
          ),
        ],
        conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
      }),
    );
    return this.#template(
      'ecs-task-stop',
      'Stop half of the ECS service tasks',
      {
        Tasks: {
          resourceType: 'aws:ecs:task',
          parameters: { cluster, service },
          selectionMode: 'PERCENT(50)',
        },
      },
      {
        StopTasks: {
          actionId: 'aws:ecs:stop-task',
          description: 'Stop the tasks',
          targets: { Tasks: 'Tasks' },
        },
      },
    );
  }

  /** Auto Scaling cannot launch in any zone: a scale-out (the 18:00 one) must not take serving capacity down. */
  asgCapacityErrors(zones: readonly string[]): fis.CfnExperimentTemplate {
    this.#allowCapacityErrors();
    return this.#template(
      'asg-capacity',
      `Insufficient capacity for the Auto Scaling groups in ${zones.join(', ')}`,
      { AutoScalingGroups: this.#tagged('aws:ec2:autoscaling-group') },
      {
        NoCapacity: {
          actionId: 'aws:ec2:asg-insufficient-instance-capacity-error',
          description: 'Every launch fails for lack of capacity',
          parameters: {
            availabilityZoneIdentifiers: zones.join(','),
            duration: this.#props.duration,
            percentage: '100',
          },
          targets: { AutoScalingGroups: 'AutoScalingGroups' },
        },
      },
    );
  }

  /**
   * The region taken out of DNS by a fault its own `/health/deep` reports: an SSM Automation writes the
   * region's drain switch (the time `duration` from now), so every engine there answers the deep check
   * with 503, Route 53's health checks fail and the weighted set answers from the other regions; after
   * the duration, or when FIS stops the experiment, it deletes the switch and the region rejoins. The
   * time written ends the drain by itself if the clean-up never runs.
   *
   * Its stop alarms are its own: the region's 5xx alarms count the health checkers' 503s of the deep
   * check itself, which this drill causes on purpose, and would stop it within a minute.
   */
  regionDns(drainParameterName: string, stopAlarms: readonly cloudwatch.IAlarm[]): fis.CfnExperimentTemplate {
    const stack = Stack.of(this);
    const duration = Duration.parse(this.#props.duration);
    const parameterArn = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: drainParameterName.replace(/^\//, ''),
    });
    const automationRole = new iam.Role(this, 'DrainRole', {
      description: `Game day region-dns: writes and deletes ${drainParameterName}`,
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    automationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [parameterArn],
      }),
    );
    // Named, so the role's grants name it rather than a reference (one per region and account).
    const documentName = `${this.#props.tag.value}-RegionDnsDrain`;
    new ssm.CfnDocument(this, 'DrainDocument', {
      name: documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: drainAutomation(drainParameterName, this.#props.duration),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartAutomationExecution'],
        resources: [
          stack.formatArn({ service: 'ssm', resource: 'document', resourceName: documentName }),
          this.#acknowledged(
            stack.formatArn({
              service: 'ssm',
              resource: 'automation-definition',
              resourceName: `${documentName}:*`,
            }),
            'any version of the one runbook: a version is named at execution, and the document adds one per update',
          ),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
        resources: [
          this.#acknowledged(
            stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }),
            'the execution FIS starts has no id before it; FIS follows and stops only the one it started',
          ),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [automationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );
    return this.#template(
      'region-dns',
      `Region taken out of DNS: ${drainParameterName} drains every engine's /health/deep for ${this.#props.duration}`,
      {},
      {
        Drain: {
          actionId: 'aws:ssm:start-automation-execution',
          description: 'Write the drain-until time, hold it for the duration, delete it',
          parameters: {
            documentArn: stack.formatArn({
              service: 'ssm',
              resource: 'document',
              resourceName: documentName,
            }),
            documentParameters: stack.toJsonString({
              AutomationAssumeRole: automationRole.roleArn,
              Seconds: String(duration.toSeconds()),
            }),
            // The automation ends by itself after the duration; FIS stops it (which deletes the switch)
            // if it has not ended five minutes later.
            maxDuration: duration.plus(Duration.minutes(5)).toIsoString(),
          },
        },
      },
      stopAlarms,
    );
  }

  #template(
    scenario: DrillScenario,
    description: string,
    targets: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty>,
    actions: Record<string, fis.CfnExperimentTemplate.ExperimentTemplateActionProperty>,
    stopAlarms: readonly cloudwatch.IAlarm[] = this.#props.stopAlarms,
  ): fis.CfnExperimentTemplate {
    if (this.templates.has(scenario)) throw new Error(`${this.node.path}: ${scenario} is defined twice`);
    if (stopAlarms.length === 0)
      throw new Error(
        `${this.node.path}: a game day needs at least one stop alarm (none would let ${scenario} run unchecked)`,
      );
    const template = new fis.CfnExperimentTemplate(this, pascal(scenario), {
      description,
      roleArn: this.role.roleArn,
      stopConditions: stopAlarms.map((alarm) => ({
        source: 'aws:cloudwatch:alarm',
        value: alarm.alarmArn,
      })),
      targets,
      actions,
      // A template whose targets resolve to nothing fails instead of reporting a drill that did nothing.
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
      tags: { scenario, [this.#props.tag.key]: this.#props.tag.value },
    });
    // The role's policy must exist before FIS validates the template against it.
    template.node.addDependency(this.role);
    this.templates.set(scenario, template);
    return template;
  }

  #tagged(
    resourceType: string,
    filters?: fis.CfnExperimentTemplate.ExperimentTemplateTargetFilterProperty[],
  ): fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty {
    return {
      resourceType,
      resourceTags: { [this.#props.tag.key]: this.#props.tag.value },
      selectionMode: 'ALL',
      ...(filters === undefined ? {} : { filters }),
    };
  }

  #instancesIn(zone: string) {
    return this.#tagged('aws:ec2:instance', [
      { path: 'Placement.AvailabilityZone', values: [zone] },
      { path: 'State.Name', values: ['running'] },
    ]);
  }

  /** `arn`, with its wildcard acknowledged for cdk-nag with `reason`. */
  #acknowledged(arn: string, reason: string): string {
    if (!Token.isUnresolved(arn))
      Validations.of(this).acknowledge({ id: `AwsSolutions-IAM5[Resource::${arn}]`, reason });
    return arn;
  }

  #tagCondition() {
    return { StringEquals: { [`aws:ResourceTag/${this.#props.tag.key}`]: this.#props.tag.value } };
  }

  readonly #allowed = new Set<string>();
  #once(name: string, add: () => void) {
    if (this.#allowed.has(name)) return;
    this.#allowed.add(name);
    add();
  }

  #allowStopInstances() {
    this.#once('instances', () => {
      const stack = Stack.of(this);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:StopInstances', 'ec2:StartInstances'],
          resources: [
            this.#acknowledged(
              stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
              'instances of the estate only (the tag condition); their ids change with every launch',
            ),
          ],
          conditions: this.#tagCondition(),
        }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      );
      // Starting an instance whose volumes the estate key encrypts makes EC2 create a grant on it.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:CreateGrant'],
          resources: [this.#props.key.keyArn],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    });
  }

  #allowCapacityErrors() {
    this.#once('capacity', () => {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:InjectApiError'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'ec2:FisActionId': 'aws:ec2:asg-insufficient-instance-capacity-error' },
          },
        }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }),
      );
    });
  }

  #allowNetworkDisruption() {
    this.#once('network', () => {
      const stack = Stack.of(this);
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:DescribeManagedPrefixLists',
            'ec2:DescribeNetworkAcls',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
            'ec2:GetManagedPrefixListEntries',
          ],
          resources: ['*'],
        }),
      );
      // FIS creates a deny-all network ACL, swaps it onto the subnets, and puts the old one back.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkAcl',
            'ec2:CreateNetworkAclEntry',
            'ec2:DeleteNetworkAcl',
            'ec2:CreateTags',
          ],
          resources: [
            this.#acknowledged(
              stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' }),
              'the network ACL FIS creates during the experiment has no id before it',
            ),
            this.#acknowledged(
              stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: '*' }),
              'the VPC of the targeted subnets, resolved by FIS from the tagged subnets',
            ),
          ],
        }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:ReplaceNetworkAclAssociation'],
          resources: [
            stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' }),
            this.#acknowledged(
              stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: '*' }),
              'the subnets of the targeted zone, resolved by FIS from their tag and zone',
            ),
          ],
        }),
      );
    });
  }

  #allowClusterFailover(clusterArn: string) {
    this.#once(`cluster ${clusterArn}`, () => {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['rds:FailoverDBCluster', 'rds:DescribeDBClusters'],
          resources: [clusterArn],
        }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['tag:GetResources'], resources: ['*'] }),
      );
    });
  }
}

/** The ARN of a regional cluster named by the estate (no reference: the data stack's template stays as it is). */
export function clusterArnOf(scope: Construct, clusterIdentifier: string): string {
  return Stack.of(scope).formatArn({
    service: 'rds',
    resource: 'cluster',
    resourceName: clusterIdentifier,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The Automation runbook of `region-dns`. Automation has no date arithmetic, so a Python step computes the
 * drain-until time (UTC, ISO 8601) from the start; the hold is a sleep; the delete runs after it, after a
 * failure of the hold, and when the execution is cancelled (FIS stopping the experiment cancels it).
 */
export function drainAutomation(drainParameterName: string, duration: string): Record<string, unknown> {
  return {
    schemaVersion: '0.3',
    description: `Drain the region: ${drainParameterName} holds the time until which /health/deep answers 503`,
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      AutomationAssumeRole: { type: 'String', description: 'The role that writes and deletes the switch' },
      Seconds: {
        type: 'String',
        description: 'How long the region drains',
        allowedPattern: '^[1-9][0-9]{0,5}$',
      },
    },
    mainSteps: [
      {
        name: 'Until',
        action: 'aws:executeScript',
        timeoutSeconds: 60,
        onFailure: 'Abort',
        inputs: {
          Runtime: 'python3.11',
          Handler: 'until',
          InputPayload: { Seconds: '{{ Seconds }}' },
          Script: [
            'from datetime import datetime, timedelta, timezone',
            '',
            'def until(events, context):',
            "    end = datetime.now(timezone.utc) + timedelta(seconds=int(events['Seconds']))",
            "    return {'until': end.strftime('%Y-%m-%dT%H:%M:%SZ')}",
          ].join('\n'),
        },
        outputs: [{ Name: 'Time', Selector: '$.Payload.until', Type: 'String' }],
      },
      {
        name: 'Drain',
        action: 'aws:executeAwsApi',
        timeoutSeconds: 60,
        onFailure: 'step:Rejoin',
        onCancel: 'step:Rejoin',
        inputs: {
          Service: 'ssm',
          Api: 'PutParameter',
          Name: drainParameterName,
          Type: 'String',
          Overwrite: true,
          Value: '{{ Until.Time }}',
        },
      },
      {
        name: 'Hold',
        action: 'aws:sleep',
        onFailure: 'step:Rejoin',
        onCancel: 'step:Rejoin',
        nextStep: 'Rejoin',
        inputs: { Duration: duration },
      },
      {
        name: 'Rejoin',
        action: 'aws:executeAwsApi',
        timeoutSeconds: 60,
        isEnd: true,
        inputs: { Service: 'ssm', Api: 'DeleteParameter', Name: drainParameterName },
      },
    ],
  };
}

function pascal(scenario: string): string {
  return scenario
    .split('-')
    .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
    .join('');
}
