import { Annotations, type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link AutoScalingFleet}. */
export interface AutoScalingFleetProps {
  /** The region's VPC: instances in its private subnets, over all its AZs. */
  readonly vpc: ec2.IVpc;
  /** Every instance is launched from it. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** The estate key that encrypts the root volumes (the ASG's service-linked role must be able to use it). */
  readonly key: kms.Key;
  /** The balancer's target group. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Lower bound of the group outside the peak. */
  readonly minCapacity: number;
  /** Upper bound of the group. */
  readonly maxCapacity: number;
  /** Instances in normal hours. */
  readonly normalCapacity: number;
  /** Instances pinned during the peak. */
  readonly peakCapacity: number;
  /** `HH:MM` start of the peak, in `timeZone`. */
  readonly peakStart: string;
  /** `HH:MM` end of the peak, in `timeZone`. */
  readonly peakEnd: string;
  /** IANA time zone of the schedule. */
  readonly timeZone: string;
  /** Average CPU to keep. */
  readonly cpuTargetPercent: number;
  /** Time a new instance has before the ELB health check counts. */
  readonly healthCheckGrace: Duration;
}

/**
 * The Auto Scaling group of the `asg` engine: bounds, evening schedule, CPU target tracking, ELB health
 * checks. Its lifecycle hooks are CodeDeploy's (see ServerDeployment): the launch hook gives a new
 * instance the last good revision before it takes traffic, the termination hook runs the revision's
 * stop hooks before it ends.
 */
export class AutoScalingFleet extends Construct {
  /** The group. */
  readonly group: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: AutoScalingFleetProps) {
    super(scope, id);
    this.group = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: props.launchTemplate,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      // desiredCapacity is safe to set here only because the group has scheduled actions: the L2 then
      // renders UpdatePolicy.AutoScalingScheduledAction.IgnoreUnmodifiedGroupSizeProperties, so a
      // redeploy leaves the running size alone unless this number itself changes (without it, every
      // `cdk deploy` at 19:00 would cut the evening's 20 instances back to 5). It is the creation size.
      desiredCapacity: props.normalCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGrace,
      }),
      // Balanced over the AZs (the AZRebalance process stays on outside deployments); when launches
      // fail in one AZ the group launches in the others instead of waiting for it: self-healing first.
      azCapacityDistributionStrategy: autoscaling.CapacityDistributionStrategy.BALANCED_BEST_EFFORT,
      defaultInstanceWarmup: props.healthCheckGrace,
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    props.targetGroup.addTarget(this.group);

    const [startHour, startMinute] = props.peakStart.split(':');
    const [endHour, endMinute] = props.peakEnd.split(':');
    // The peak raises the minimum too: raising only the desired size would let target tracking scale
    // back in within minutes on an idle evening, and the rehearsal of "20 at 18:00" would not happen.
    this.group.scaleOnSchedule('PeakStart', {
      schedule: autoscaling.Schedule.cron({ hour: startHour, minute: startMinute }),
      timeZone: props.timeZone,
      minCapacity: props.peakCapacity,
      desiredCapacity: props.peakCapacity,
    });
    this.group.scaleOnSchedule('PeakEnd', {
      schedule: autoscaling.Schedule.cron({ hour: endHour, minute: endMinute }),
      timeZone: props.timeZone,
      minCapacity: props.minCapacity,
      desiredCapacity: props.normalCapacity,
    });
    this.group.scaleOnCpuUtilization('CpuTarget', {
      targetUtilizationPercent: props.cpuTargetPercent,
    });

    // Root volumes are encrypted with the estate key: the group launches through its service-linked
    // role, which the key policy must let create grants, or every launch fails with a client error.
    // The role is named in a condition, not as the principal: KMS refuses a policy whose Principal
    // names a role that does not exist (MalformedPolicyDocumentException), and AWSServiceRoleForAutoScaling
    // exists only once the account has run a group. Conditions are compared at request time, never
    // validated, so the key is created in a fresh account and the role still gets exactly these rights.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [autoScalingServiceLinkedRole(this)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [autoScalingServiceLinkedRole(this)],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );

    Annotations.of(this.group).acknowledgeWarning(
      '@aws-cdk/aws-autoscaling:desiredCapacitySet',
      'Scheduled actions make the group ignore unmodified sizes on deploy (see desiredCapacity above)',
    );
    Validations.of(this.group).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Scaling events are in the activity history and EventBridge; the alarm topic carries alarms only',
    });
  }
}

/**
 * Any principal of this account whose ARN is the Auto Scaling service-linked role: the same rights as
 * naming the role, without KMS checking that it exists.
 */
function autoScalingServiceLinkedRole(scope: Construct): iam.IPrincipal {
  const { account, partition } = Stack.of(scope);
  return new iam.AnyPrincipal().withConditions({
    ArnEquals: {
      'aws:PrincipalArn': `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    },
    StringEquals: { 'kms:CallerAccount': account },
  });
}
