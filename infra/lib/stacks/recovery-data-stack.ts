import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { EstateConfig, Site } from '../../config/index.ts';
import { ReplicaBucket } from '../constructs/backup/bucket-replication.ts';
import { ImageReplicaRegistry } from '../constructs/delivery/image-repository.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';
import { backupNames } from './parameter-backup-stack.ts';

/** Props of {@link RecoveryDataStack}. */
export interface RecoveryDataStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The recovery account's site. */
  readonly site: Site;
  /** The foundation of the same site: key, access-log bucket. */
  readonly foundation: FoundationStack;
}

/**
 * The recovery account's side of the data copies: the replica bucket the home region's data buckets
 * replicate to, and the key grants the primary account's roles need (named, since no value crosses
 * accounts). Deploys before the home region's parameter-backup stack.
 */
export class RecoveryDataStack extends EstateStack {
  /** The replica of the data buckets. */
  readonly replica: ReplicaBucket;
  /** Consent to the primary account's image replication, when the estate has a container engine. */
  readonly images?: ImageReplicaRegistry;

  constructor(scope: Construct, props: RecoveryDataStackProps) {
    super(scope, {
      ...props,
      concern: 'Data',
      description:
        'replica bucket of the data buckets, image replication consent, key grants of the primary account',
    });
    const { config, foundation } = props;
    const names = backupNames(config);
    const key = foundation.key.key;
    this.replica = new ReplicaBucket(this, 'Replica', {
      bucketName: names.replicaBucket,
      key,
      accessLogs: foundation.accessLogs.bucket,
      sourceAccount: config.accounts.primary,
      sourceRoleName: names.replicationRole,
    });
    if (config.engines.ecs.enabled) {
      this.images = new ImageReplicaRegistry(this, 'Images', {
        sourceAccount: config.accounts.primary,
        repositoryPrefix: config.appName.toLowerCase(),
      });
    }
    // Sealing exported SecureStrings: the function asks for data keys directly, not through a service.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ParameterExportSealing',
        principals: [new iam.AccountPrincipal(config.accounts.primary)],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'aws:PrincipalArn': `arn:${this.partition}:iam::${config.accounts.primary}:role/${names.functionRole}`,
          },
        },
      }),
    );
  }
}
