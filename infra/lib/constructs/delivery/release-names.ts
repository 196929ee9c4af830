import type { EstateConfig, Site } from '../../../config/index.ts';

/**
 * The names the pipeline computes for a region's release resources (no reference crosses regions); the
 * EC2 engines' instances read their revisions from the artifact bucket by this name too.
 */
export function releaseNames(config: Pick<EstateConfig, 'appName'>, site: Pick<Site, 'account' | 'region'>) {
  const app = config.appName.toLowerCase();
  return {
    artifactBucket: `${app}-release-artifacts-${site.account}-${site.region}`,
    watchAlarm: `${config.appName}-release-watch-${site.region}`,
  };
}
