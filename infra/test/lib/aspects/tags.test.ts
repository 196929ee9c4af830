import { describe, expect, it } from 'vitest';
import { REQUIRED_TAG } from '../../../lib/constructs/governance/compliance-rules.ts';
import { estate, type TemplateJson } from '../../support/estate.ts';
import { props, resources, target } from '../stacks/ec2-template.ts';

type Tag = { Key: string; Value: string; PropagateAtLaunch?: boolean };
type TagSpecification = { ResourceType: string; Tags: Tag[] };

const hasPurpose = (tags: readonly Tag[] | undefined) =>
  (tags ?? []).some((t) => t.Key === REQUIRED_TAG.key && t.Value === REQUIRED_TAG.value);

/** What a launch template tags at launch, by resource type. */
function launchTags(json: TemplateJson, logicalId: string | undefined): Record<string, Tag[]> {
  const data = props(json.Resources[logicalId ?? '']).LaunchTemplateData as {
    TagSpecifications?: TagSpecification[];
  };
  return Object.fromEntries((data?.TagSpecifications ?? []).map((s) => [s.ResourceType, s.Tags]));
}

/** Every resource of `type` in the estate, with its stack's template. */
function everywhere(profile: 'lab' | 'production', type: string) {
  return estate(profile).stacks.flatMap((stack) =>
    resources(stack.json, type).map(([id, resource]) => ({
      stack: stack.name,
      id,
      json: stack.json,
      resource,
    })),
  );
}

// The Config rule fixes an untagged instance minutes after launch; these keep the estate's own
// instances and volumes out of its findings from their first second, however they are launched.
describe.each(['lab', 'production'] as const)('the %s estate tags what it launches', (profile) => {
  it('GOV-1: every launch template tags the instance and its volumes with purpose = DevOps exam at launch', () => {
    const templates = everywhere(profile, 'AWS::EC2::LaunchTemplate');
    expect(templates.length).toBeGreaterThanOrEqual(2);
    for (const { stack, id, json } of templates) {
      const tags = launchTags(json, id);
      expect({ stack, instance: hasPurpose(tags.instance), volume: hasPurpose(tags.volume) }).toEqual({
        stack,
        instance: true,
        volume: true,
      });
    }
  });

  it('GOV-1: every Auto Scaling group launches from such a template and propagates purpose = DevOps exam to its instances', () => {
    const groups = everywhere(profile, 'AWS::AutoScaling::AutoScalingGroup');
    expect(groups.length).toBeGreaterThanOrEqual(1);
    for (const { stack, json, resource } of groups) {
      const group = props(resource) as { Tags?: Tag[]; LaunchTemplate?: { LaunchTemplateId: unknown } };
      const purpose = (group.Tags ?? []).find((t) => t.Key === REQUIRED_TAG.key);
      expect({ stack, purpose }).toEqual({
        stack,
        purpose: { Key: REQUIRED_TAG.key, Value: REQUIRED_TAG.value, PropagateAtLaunch: true },
      });
      const tags = launchTags(json, target(group.LaunchTemplate?.LaunchTemplateId));
      expect({ stack, volume: hasPurpose(tags.volume) }).toEqual({ stack, volume: true });
    }
  });

  it('GOV-1: every standalone instance carries purpose = DevOps exam, and its launch template tags its volumes', () => {
    const instances = everywhere(profile, 'AWS::EC2::Instance');
    expect(instances.length).toBeGreaterThanOrEqual(1);
    for (const { stack, id, json, resource } of instances) {
      const instance = props(resource) as { Tags?: Tag[]; LaunchTemplate?: { LaunchTemplateId: unknown } };
      const tags = launchTags(json, target(instance.LaunchTemplate?.LaunchTemplateId));
      const found = { stack, id, instance: hasPurpose(instance.Tags), volume: hasPurpose(tags.volume) };
      expect(found).toEqual({ stack, id, instance: true, volume: true });
    }
  });

  it('GOV-1: every Beanstalk environment carries purpose = DevOps exam, which Beanstalk applies to its instances', () => {
    for (const { stack, resource } of everywhere(profile, 'AWS::ElasticBeanstalk::Environment')) {
      expect({ stack, purpose: hasPurpose(props(resource).Tags as Tag[]) }).toEqual({ stack, purpose: true });
    }
  });
});
