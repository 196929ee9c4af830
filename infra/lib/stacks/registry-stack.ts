import type { Construct } from 'constructs';
import { type EstateConfig, parameterName } from '../../config/index.ts';
import { ImageRepository, type ReplicationDestination } from '../constructs/delivery/image-repository.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/** The name of the service's image repository, the same in every region and account it is copied to. */
export function imageRepositoryName(config: Pick<EstateConfig, 'appName'>): string {
  return `${config.appName.toLowerCase()}/service`;
}

/** Props of {@link RegistryStack}. */
export interface RegistryStackProps extends EngineStackProps {
  /** Where every image is copied: the container engines' regions and the recovery account. */
  readonly destinations: readonly ReplicationDestination[];
}

/**
 * The home region's image registry (ECS-1, ECS-2): the repository the pipeline pushes the service's
 * image to, and the registry's replication to the engine regions and the recovery account.
 */
export class RegistryStack extends EstateStack {
  readonly images: ImageRepository;

  constructor(scope: Construct, props: RegistryStackProps) {
    super(scope, {
      ...props,
      concern: 'Registry',
      description:
        'ECR repository of the service image, replicated to the engine regions and the recovery account',
    });
    const { config, foundation, site } = props;
    this.images = new ImageRepository(this, 'Images', {
      repositoryName: imageRepositoryName(config),
      key: foundation.key.key,
      destinations: props.destinations,
      pullAccounts: config.accounts.recovery === undefined ? [] : [config.accounts.recovery],
    });
    new PublishedParameters(this, 'Parameters', {
      values: {
        [parameterName(config, site.region, 'registry', 'repository-uri')]:
          this.images.repository.repositoryUri,
      },
    });
  }
}
