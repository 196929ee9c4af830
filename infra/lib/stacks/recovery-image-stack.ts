import type { Construct } from 'constructs';
import { estateKeyAlias } from '../../config/index.ts';
import { goldenImageNames } from '../constructs/images/golden-image-names.ts';
import { ImageDistributionRole } from '../constructs/images/image-distribution-role.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/**
 * The recovery account's side of the golden AMI (AMI-2): the role the primary account's Image Builder
 * assumes to copy each new image into this account and region and set its `latest` parameter, so a
 * recovered estate launches the newest golden image even with the primary account gone.
 */
export class RecoveryImageStack extends EstateStack {
  /** The distribution role. */
  readonly distributionRole: ImageDistributionRole;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Image',
      description: 'the role the primary account uses to copy the golden AMI into this account',
    });
    const { config, foundation, site } = props;
    this.distributionRole = new ImageDistributionRole(this, 'DistributionRole', {
      sourceAccount: config.accounts.primary,
      source: { region: config.homeRegion, keyAlias: estateKeyAlias(config) },
      key: foundation.key.key,
      parameterName: goldenImageNames(config).latestParameter(site.region),
    });
  }
}
