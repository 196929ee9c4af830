import { CfnResource, type IAspect, Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';

/** The tag every instance (every taggable resource, in fact) carries: GOV-1. */
const PURPOSE_TAG = { key: 'purpose', value: 'DevOps exam' } as const;

/** The tags of every taggable resource of the estate. */
function estateTags(config: EstateConfig): Record<string, string> {
  return {
    [PURPOSE_TAG.key]: PURPOSE_TAG.value,
    app: config.appName,
    owner: config.tags.owner,
    profile: config.profile,
  };
}

/** Tags every taggable resource of the estate. */
export function tagEstate(scope: IConstruct, config: EstateConfig): RawResourceTags {
  const tags = estateTags(config);
  for (const [key, value] of Object.entries(tags)) Tags.of(scope).add(key, value);
  return new RawResourceTags(tags);
}

// Types that CDK's own custom-resource providers declare as plain CfnResource, which Tags.of skips.
const RAW_TAGGABLE = new Set(['AWS::Lambda::Function', 'AWS::IAM::Role']);

/**
 * Tags the functions and roles of aws-cdk-lib's custom-resource providers (the VPC's default security
 * group restriction, for one): they are plain CfnResources, invisible to the tag manager.
 */
export class RawResourceTags implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || node.constructor !== CfnResource) return;
    if (!RAW_TAGGABLE.has(node.cfnResourceType)) return;
    node.addPropertyOverride(
      'Tags',
      Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })),
    );
  }
}
