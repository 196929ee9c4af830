import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ComplianceRules } from '../constructs/governance/compliance-rules.ts';
import {
  ConfigAggregationAuthorization,
  ConfigAggregator,
} from '../constructs/governance/config-aggregator.ts';
import { ConfigRecorder } from '../constructs/governance/config-recorder.ts';
import { EstateTrail } from '../constructs/governance/estate-trail.ts';
import { FindingPatching } from '../constructs/governance/finding-patching.ts';
import { InspectorScanning } from '../constructs/governance/inspector-scanning.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/** Props of {@link GovernanceStack}. */
export interface GovernanceStackProps extends EngineStackProps {
  /** The name of the stack it takes over (a recovered estate's). @default - its own */
  readonly stackName?: string;
}

/**
 * Compliance that fixes itself, in one account and region (GOV-1 to GOV-5): AWS Config records what the
 * rules evaluate, the rules find what breaks them and remediate it automatically. The account's home
 * region also judges customer managed policies (IAM is global, recorded there only, so each policy is
 * judged once); the primary account's home region aggregates every account and region.
 */
export class GovernanceStack extends EstateStack {
  /** The recorder, when the config has the estate create it. */
  readonly recorder?: ConfigRecorder;
  /** The rules and their remediation. */
  readonly rules: ComplianceRules;
  /** The account's trail, in its home region, when no organization trail covers it. */
  readonly trail?: EstateTrail;
  /** Inspector scanning EC2, ECR and Lambda. */
  readonly inspector: InspectorScanning;
  /** High and critical findings on an instance patch it. */
  readonly patching: FindingPatching;

  constructor(scope: Construct, props: GovernanceStackProps) {
    super(scope, {
      ...props,
      concern: 'Governance',
      description:
        'AWS Config recorder, rules with automatic remediation, compliance aggregation, Inspector scanning and patching, the account trail',
    });
    const { config, site, foundation } = props;
    const accountHome = site.role === 'primary' ? config.homeRegion : config.recoveryRegion;
    const homeOfAccount = site.region === accountHome;
    if (config.compliance.recorder === 'create') {
      this.recorder = new ConfigRecorder(this, 'ConfigRecorder', {
        resourceTypes: ComplianceRules.resourceTypes(homeOfAccount),
        key: foundation.key.key,
        accessLogs: foundation.accessLogs.bucket,
        retention: Duration.days(this.profile.logRetentionDays),
      });
    }
    this.rules = new ComplianceRules(this, 'Rules', {
      namePrefix: config.appName.toLowerCase(),
      iam: homeOfAccount,
      retries: config.compliance.remediation,
      after: this.recorder === undefined ? [] : [this.recorder.recorder, this.recorder.channel],
    });

    if (homeOfAccount && !config.compliance.organizationTrail) {
      this.trail = new EstateTrail(this, 'Trail', {
        trailName: `${config.appName.toLowerCase()}-estate`,
        accessLogs: foundation.accessLogs.bucket,
        retention: Duration.days(this.profile.logRetentionDays),
      });
    }
    this.inspector = new InspectorScanning(this, 'Inspector', {
      key: foundation.key.key,
      logRetention: this.profile.logRetentionDays as RetentionDays,
    });
    this.patching = new FindingPatching(this, 'Patching', { alarmTopic: foundation.alarms.topic });

    const { primary, recovery } = config.accounts;
    if (site.role === 'primary' && site.region === config.homeRegion) {
      new ConfigAggregator(this, 'Aggregator', {
        accountIds: recovery === undefined ? [primary] : [primary, recovery],
      });
    } else if (site.role === 'recovery') {
      new ConfigAggregationAuthorization(this, 'AggregatorAuthorization', {
        aggregatorAccount: primary,
        aggregatorRegion: config.homeRegion,
      });
    }
  }
}
