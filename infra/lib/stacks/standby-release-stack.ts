import type { Construct } from 'constructs';
import { type EstateConfig, estateKeyAlias, type Site } from '../../config/index.ts';
import { releaseNames, standbyNames } from '../constructs/delivery/release-names.ts';
import { StandbyReleases } from '../constructs/delivery/standby-releases.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of {@link StandbyReleaseStack}. */
export interface StandbyReleaseStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The recovery account's site. */
  readonly site: Site;
  /** The foundation of the same site: key, access-log bucket. */
  readonly foundation: FoundationStack;
}

/**
 * The recovery account's copy of every release (CICD-8): the bucket the pipeline's Standby stage writes
 * each release's bundles and `release.json` into, and the role that stage assumes. After the loss of
 * the primary account, `npm run recover` redeploys the version last released from here. Deploys before
 * the pipeline, which names the role.
 */
export class StandbyReleaseStack extends EstateStack {
  readonly releases: StandbyReleases;

  constructor(scope: Construct, props: StandbyReleaseStackProps) {
    super(scope, {
      ...props,
      concern: 'Standby',
      description: 'the released bundles of every release, and the role the pipeline delivers them with',
    });
    const { config, foundation, site } = props;
    const names = standbyNames(config);
    this.releases = new StandbyReleases(this, 'Releases', {
      bucketName: names.bucket,
      roleName: names.deliveryRole,
      key: foundation.key.key,
      accessLogs: foundation.accessLogs.bucket,
      pipelineAccount: config.accounts.primary,
      pipelineRoleName: names.pipelineRole,
      artifactBucket: releaseNames(config, { account: config.accounts.primary, region: site.region })
        .artifactBucket,
      artifactKeyAlias: estateKeyAlias(config),
    });
  }
}
