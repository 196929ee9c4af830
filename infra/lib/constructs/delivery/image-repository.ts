import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Where a registry replicates to: another region of the account, or another account. */
export interface ReplicationDestination {
  readonly region: string;
  readonly account: string;
}

/** Props of {@link ImageRepository}. */
export interface ImageRepositoryProps {
  /** `hello/service`; its first segment is the prefix every replication rule filters on. */
  readonly repositoryName: string;
  /** The home region's estate key. */
  readonly key: kms.IKey;
  /** Regions (and the recovery account) that get a copy of every image pushed here. */
  readonly destinations: readonly ReplicationDestination[];
  /** Accounts that may pull from this repository directly (the recovery account, while the home region lives). */
  readonly pullAccounts: readonly string[];
}

/**
 * The service's container images (ECS-1, ECS-2): scanned on push, tags immutable (a tag names one image
 * forever, so a rollback redeploys exactly what ran), encrypted with the estate key, untagged layers
 * expired; every push copied by ECR to the engine regions and to the recovery account, which may also
 * pull from here. Replication is set for the whole registry of this account and region (one
 * configuration per registry, so it belongs to the estate); the rule filters on the repository prefix.
 */
export class ImageRepository extends Construct {
  readonly repository: ecr.Repository;
  readonly replication: ecr.CfnReplicationConfiguration;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: props.key,
      lifecycleRules: [
        {
          description: 'Layers no tag points at',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
        },
        { description: 'The last 50 releases', tagStatus: ecr.TagStatus.ANY, maxImageCount: 50 },
      ],
      // Images are rebuilt from the repository's source; the replicas in the recovery account stay.
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
    });
    if (props.pullAccounts.length > 0) {
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CrossAccountPull',
          principals: props.pullAccounts.map((account) => new iam.AccountPrincipal(account)),
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        }),
      );
    }
    const prefix = props.repositoryName.split('/')[0] ?? props.repositoryName;
    const { region, account } = Stack.of(this);
    const destinations = props.destinations.filter((d) => !(d.region === region && d.account === account));
    this.replication = new ecr.CfnReplicationConfiguration(this, 'Replication', {
      replicationConfiguration: {
        rules: [
          {
            destinations: destinations.map((d) => ({ region: d.region, registryId: d.account })),
            repositoryFilters: [{ filter: prefix, filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
  }
}

/** Props of {@link ImageReplicaRegistry}. */
export interface ImageReplicaRegistryProps {
  /** The account whose registry replicates here. */
  readonly sourceAccount: string;
  /** The repository prefix it replicates. */
  readonly repositoryPrefix: string;
}

/**
 * The recovery account's consent to receive the primary account's images (ECS-2): a registry policy,
 * which accepts only ReplicateImage and CreateRepository, limited to the estate's repository prefix.
 */
export class ImageReplicaRegistry extends Construct {
  readonly policy: ecr.CfnRegistryPolicy;

  constructor(scope: Construct, id: string, props: ImageReplicaRegistryProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    this.policy = new ecr.CfnRegistryPolicy(this, 'Policy', {
      policyText: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReplicationFromThePrimaryAccount',
            Effect: 'Allow',
            Principal: { AWS: `arn:${partition}:iam::${props.sourceAccount}:root` },
            Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'],
            Resource: `arn:${partition}:ecr:${region}:${account}:repository/${props.repositoryPrefix}/*`,
          },
        ],
      },
    });
  }
}
