import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type EstateConfig, estateKeyAlias, parameterName, type Site } from '../../config/index.ts';
import { ReleasedImageRecord, releasedImageParameter } from '../constructs/engines/ecs/released-image.ts';
import { AccessLogBucket } from '../constructs/foundation/access-log-bucket.ts';
import { AlarmTopic } from '../constructs/foundation/alarm-topic.ts';
import { EstateKey } from '../constructs/foundation/estate-key.ts';
import { Network } from '../constructs/foundation/network.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { CostBudget } from '../constructs/governance/cost-budget.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link FoundationStack}. */
export interface FoundationStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region. */
  readonly site: Site;
  /** The name of the stack it takes over (a recovered estate's). @default - its own */
  readonly stackName?: string;
}

/** The names under which a foundation publishes its values, for readers in any region. */
export function foundationParameters(config: EstateConfig, region: Site['region']) {
  const name = (leaf: string) => parameterName(config, region, 'foundation', leaf);
  return {
    keyArn: name('key-arn'),
    vpcId: name('vpc-id'),
    alarmTopicArn: name('alarm-topic-arn'),
    accessLogBucket: name('access-log-bucket'),
  } as const;
}

/**
 * What every region of every account has before anything runs there: network, estate key, access-log
 * bucket and alarm topic. Stacks of the same region take these constructs as props; other regions read
 * the published parameters.
 */
export class FoundationStack extends EstateStack {
  /** The region's estate key. */
  readonly key: EstateKey;
  /** The region's VPC. */
  readonly network: Network;
  /** The region's access-log bucket. */
  readonly accessLogs: AccessLogBucket;
  /** The region's alarm topic. */
  readonly alarms: AlarmTopic;
  /** The account's cost budget, in the account's first region only. */
  readonly budget?: CostBudget;

  constructor(scope: Construct, props: FoundationStackProps) {
    super(scope, {
      ...props,
      concern: 'Foundation',
      description: 'network, estate key, access-log bucket and alarm topic of the region',
    });
    const { config, site } = props;
    this.key = new EstateKey(this, 'EstateKey', {
      aliasName: estateKeyAlias(config),
    });
    this.network = new Network(this, 'Network', {
      cidr: site.vpcCidr,
      availabilityZones: site.availabilityZones,
      natGateways: this.profile.natGateways,
      interfaceEndpoints: this.profile.interfaceEndpoints,
      key: this.key.key,
      logRetention: this.profile.logRetentionDays as RetentionDays,
    });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', {
      retention: Duration.days(this.profile.logRetentionDays),
    });
    this.alarms = new AlarmTopic(this, 'Alarms', { key: this.key.key, email: config.alerts.email });
    // One budget per account, beside the alarm topic of the account's first region.
    const accountHome = site.role === 'primary' ? config.homeRegion : config.recoveryRegion;
    if (site.region === accountHome) {
      this.budget = new CostBudget(this, 'Budget', {
        budgetName: `${config.appName}-${site.role}-monthly`,
        monthlyUsd: site.role === 'primary' ? config.budget.monthlyUsd : config.budget.recoveryMonthlyUsd,
        topic: this.alarms.topic,
        key: this.key.key,
        email: config.alerts.email,
      });
    }

    const names = foundationParameters(config, site.region);
    new PublishedParameters(this, 'Parameters', {
      values: {
        [names.keyArn]: this.key.key.keyArn,
        [names.vpcId]: this.network.vpc.vpcId,
        [names.alarmTopicArn]: this.alarms.topic.topicArn,
        [names.accessLogBucket]: this.accessLogs.bucket.bucketName,
      },
    });
    // The ECS stack of the region resolves it when it deploys, so it exists first (ECS-1).
    if (config.engines.ecs.enabled && config.engines.ecs.regions.includes(site.region)) {
      new ReleasedImageRecord(this, 'ReleasedImage', {
        parameterName: releasedImageParameter(config, site.region),
      });
    }
  }
}
