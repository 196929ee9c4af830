import * as config from 'aws-cdk-lib/aws-config';
import { Construct } from 'constructs';

/** Props of {@link ConfigAggregator}. */
export interface ConfigAggregatorProps {
  /** Every account of the estate; the others must authorize this account and region. */
  readonly accountIds: readonly string[];
}

/**
 * One view of compliance over every account and region of the estate, in the primary account's home
 * region. All regions, not only the estate's: something created by hand in an unused region shows up too
 * once Config records there. Without an AWS Organization, each other account authorizes this one in each
 * of its regions (ConfigAggregationAuthorization).
 */
export class ConfigAggregator extends Construct {
  /** The aggregator. */
  readonly aggregator: config.CfnConfigurationAggregator;

  constructor(scope: Construct, id: string, props: ConfigAggregatorProps) {
    super(scope, id);
    this.aggregator = new config.CfnConfigurationAggregator(this, 'Resource', {
      accountAggregationSources: [{ accountIds: [...props.accountIds], allAwsRegions: true }],
    });
  }
}

/** Props of {@link ConfigAggregationAuthorization}. */
export interface ConfigAggregationAuthorizationProps {
  /** The account holding the aggregator. */
  readonly aggregatorAccount: string;
  /** Its region. */
  readonly aggregatorRegion: string;
}

/** Lets the estate's aggregator collect this account's Config data of this region. */
export class ConfigAggregationAuthorization extends Construct {
  constructor(scope: Construct, id: string, props: ConfigAggregationAuthorizationProps) {
    super(scope, id);
    new config.CfnAggregationAuthorization(this, 'Resource', {
      authorizedAccountId: props.aggregatorAccount,
      authorizedAwsRegion: props.aggregatorRegion,
    });
  }
}
