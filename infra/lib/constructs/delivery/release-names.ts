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

/**
 * The names both accounts compute for the delivery into the recovery account (CICD-8): no token crosses
 * accounts, so the recovery account's trust names the pipeline's role, and the pipeline the recovery
 * account's role and bucket, by these.
 */
export function standbyNames(config: Pick<EstateConfig, 'appName' | 'accounts' | 'recoveryRegion'>) {
  const app = config.appName.toLowerCase();
  const { primary, recovery } = config.accounts;
  return {
    /** The pipeline's own role, in the primary account. */
    pipelineRole: `${config.appName}-release-pipeline`,
    /**
     * The role the Standby action assumes, in the recovery account; `-Recovery-` in its name is what the
     * recovery account's CloudFormation execution policy lets it create (deploy/bootstrap).
     */
    deliveryRole: `${config.appName}-Recovery-StandbyDelivery`,
    /** The bucket of released bundles, in the recovery account and region. */
    bucket: `${app}-standby-releases-${recovery}-${config.recoveryRegion}`,
    /** Each release lands in `releases/<version>/`, then a copy of it in `latest/`. */
    releasesPrefix: 'releases',
    latestPrefix: 'latest',
    primary,
    recovery,
  } as const;
}
