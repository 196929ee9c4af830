import type { AwsRegion, EstateConfig } from '../../../config/index.ts';
import { parameterName } from '../../../config/index.ts';

/**
 * The role Image Builder assumes in a target account to copy an image there. AWS names it; the target
 * account creates it (see ImageDistributionRole).
 */
export const DISTRIBUTION_ROLE_NAME = 'EC2ImageBuilderDistributionCrossAccountRole';

/** The names the image pipeline, the distribution role and the launch templates agree on. */
export function goldenImageNames(config: EstateConfig) {
  const app = config.appName.toLowerCase();
  return {
    /** Pipeline, recipe, distribution, infrastructure configuration and lifecycle policy. */
    resource: `${app}-golden`,
    /** Each component is `<app>-<document name>`. */
    component: (name: string) => `${app}-${name.replace(/^hello-/, '')}`,
    /** `/hello/<region>/ami/latest`: the newest image id of the region (and account), resolved at launch. */
    latestParameter: (region: AwsRegion) => parameterName(config, region, 'ami', 'latest'),
    /** `/hello/<region>/ami/test-bundle`: where the test component finds the service bundle. */
    testBundleParameter: (region: AwsRegion) => parameterName(config, region, 'ami', 'test-bundle'),
    /** The tag every golden AMI carries, so operators and the lifecycle policy find them. */
    imageTag: [`${app}:image`, 'golden'] as const,
  };
}
