import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

/** Which replicated image a recovered estate's ECS service runs. */
export interface RestoredImageSource {
  /** `hello/service`, as replication named it in the recovery account. */
  readonly repositoryName: string;
  /** The region replication delivered it to (the lost estate's recovery region). */
  readonly region: string;
  /** The tag the restore file names. */
  readonly tag: string;
}

/**
 * The image of a recovered estate (DR-3): a tag of the recovery account's replica of the service's
 * repository, which replication created and no stack owns. A region other than the replica's pulls across
 * regions; the execution role is granted the pull on that repository (fromEcrRepository's grant).
 */
export function restoredImage(scope: Construct, source: RestoredImageSource): ecs.ContainerImage {
  const stack = Stack.of(scope);
  const repository = ecr.Repository.fromRepositoryAttributes(scope, 'RestoredImages', {
    repositoryName: source.repositoryName,
    repositoryArn: stack.formatArn({
      service: 'ecr',
      region: source.region,
      resource: 'repository',
      resourceName: source.repositoryName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  });
  return ecs.ContainerImage.fromEcrRepository(repository, source.tag);
}
