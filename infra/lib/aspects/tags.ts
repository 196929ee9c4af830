import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';

/** The tag every instance (every taggable resource, in fact) carries: GOV-1. */
export const PURPOSE_TAG = { key: 'purpose', value: 'DevOps exam' } as const;

/** Tags every taggable resource of the estate. */
export function tagEstate(scope: IConstruct, config: EstateConfig): void {
  Tags.of(scope).add(PURPOSE_TAG.key, PURPOSE_TAG.value);
  Tags.of(scope).add('app', config.appName);
  Tags.of(scope).add('owner', config.tags.owner);
  Tags.of(scope).add('profile', config.profile);
}
