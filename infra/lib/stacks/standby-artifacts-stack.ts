import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type EstateConfig, estateKeyAlias, recoveryAccount, type Site } from '../../config/index.ts';
import { releaseNames, standbyNames } from '../constructs/delivery/release-names.ts';
import { allowStandbyRead } from '../constructs/delivery/standby-artifact-access.ts';
import { ArtifactBucket } from '../constructs/engines/ec2/artifact-bucket.ts';
import { AccessLogBucket } from '../constructs/foundation/access-log-bucket.ts';
import { EstateKey } from '../constructs/foundation/estate-key.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import { type FoundationStack, foundationParameters } from './foundation-stack.ts';

/** Props of {@link StandbyArtifactsStack}. */
export interface StandbyArtifactsStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The primary account in the recovery region (see `standbyArtifactSite`). */
  readonly site: Site;
  /** The primary account's foundation in that region, when it has one: its key and access logs serve. */
  readonly foundation?: FoundationStack;
}

/** The primary account's site in the recovery region, which holds nothing but this stack. */
export function standbyArtifactSite(config: EstateConfig): Site {
  const settings = config.regions[config.recoveryRegion];
  if (settings === undefined)
    throw new Error(`regions.${config.recoveryRegion} is missing (validated configs have it)`);
  return { role: 'primary', account: config.accounts.primary, region: config.recoveryRegion, ...settings };
}

/**
 * The pipeline's artifact store in the recovery region (CICD-8), when the primary account has no
 * foundation there: CodePipeline runs an action in the region of the bucket it deploys to and hands it
 * its input from an artifact bucket of the pipeline's account in that region, encrypted with a key of
 * that account and region. So this region gets that bucket, its key (alias and published ARN like a
 * foundation's, which the pipeline reads when it deploys), the access-log bucket it logs to, and the
 * read the recovery account's delivery role needs. No network, no alarms.
 */
export class StandbyArtifactsStack extends EstateStack {
  readonly artifacts: ArtifactBucket;

  constructor(scope: Construct, props: StandbyArtifactsStackProps) {
    super(scope, {
      ...props,
      concern: 'Standby',
      description:
        'artifact store of the release pipeline in the recovery region, read by the recovery account',
    });
    const { config, site, foundation } = props;
    const { key, accessLogs } = foundation
      ? { key: foundation.key.key, accessLogs: foundation.accessLogs.bucket }
      : this.ownFoundation(config, site);
    this.artifacts = new ArtifactBucket(this, 'Artifacts', {
      bucketName: releaseNames(config, site).artifactBucket,
      key,
      accessLogs,
    });
    const names = standbyNames(config);
    allowStandbyRead(
      this.artifacts.bucket,
      key,
      {
        account: recoveryAccount(config),
        roleArn: `arn:${this.partition}:iam::${recoveryAccount(config)}:role/${names.deliveryRole}`,
      },
      site.region,
    );
  }

  /** A key and an access-log bucket like a foundation's, the key's ARN published where a foundation's is. */
  private ownFoundation(config: EstateConfig, site: Site): { key: kms.IKey; accessLogs: s3.IBucket } {
    const { key } = new EstateKey(this, 'EstateKey', { aliasName: estateKeyAlias(config) });
    const { bucket } = new AccessLogBucket(this, 'AccessLogs', {
      retention: Duration.days(this.profile.logRetentionDays),
    });
    new PublishedParameters(this, 'Parameters', {
      values: { [foundationParameters(config, site.region).keyArn]: key.keyArn },
    });
    return { key, accessLogs: bucket };
  }
}
