import { Stack, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type EstateConfig,
  PROFILES,
  type ProfileSettings,
  type Site,
  stackName,
} from '../../config/index.ts';

/** Props of {@link EstateStack}. */
export interface EstateStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region this stack lives in. */
  readonly site: Site;
  /** What the stack is about, PascalCase (`Foundation`, `Asg`): part of its name. */
  readonly concern: string;
  /** One line for the CloudFormation console. */
  readonly description: string;
  /** The stack's name, when it takes over a stack of another name. @default stackName(config, concern, site) */
  readonly stackName?: string;
}

/**
 * Base of every stack: account and region always explicit, from the config, and the AZs from the config
 * too, so synthesis never needs credentials (aws-cdk-lib would otherwise look them up).
 */
export class EstateStack extends Stack {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region. */
  readonly site: Site;
  /** Sizes and paid extras of the chosen profile. */
  readonly profile: ProfileSettings;

  constructor(scope: Construct, props: EstateStackProps) {
    const name = props.stackName ?? stackName(props.config, props.concern, props.site);
    super(scope, name, {
      stackName: name,
      env: { account: props.site.account, region: props.site.region },
      description: `${props.config.appName} (${props.config.profile}): ${props.description}`,
    });
    this.config = props.config;
    this.site = props.site;
    this.profile = PROFILES[props.config.profile];
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'AZ names come from the estate config so synthesis needs no AWS lookup; the config checks them',
    });
  }

  override get availabilityZones(): string[] {
    return [...this.site.availabilityZones];
  }
}
