import { Stack } from 'aws-cdk-lib';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { RecipeComponent } from './image-components.ts';

/**
 * The recipe's version. Image Builder versions are immutable and CloudFormation replaces a changed recipe
 * by creating the new one first, so a change to these properties needs a new version here. The
 * components and the base image do not: both are taken at their newest version (`x.x.x`) at every bake.
 */
export const RECIPE_VERSION = '1.0.0';

/** Props of {@link GoldenImageRecipe}. */
export interface GoldenImageRecipeProps {
  /** Name of the recipe. */
  readonly name: string;
  /** An Image Builder managed image by name (config `goldenAmi.baseImage`). */
  readonly baseImage: string;
  /** Build components, in order. */
  readonly build: readonly RecipeComponent[];
  /** Test components with their parameters by name. */
  readonly test: readonly {
    readonly component: RecipeComponent;
    readonly parameters: Record<string, string>;
  }[];
  /** The home region's estate key: encrypts the image's snapshot. */
  readonly key: kms.IKey;
}

/**
 * The golden image: the newest Amazon Linux 2023 that Image Builder publishes (by name and `x.x.x`, never
 * an AMI id), our components on top, a 16 GiB gp3 root encrypted with the estate key, as the launch
 * templates ask for.
 */
export class GoldenImageRecipe extends Construct {
  /** The recipe. */
  readonly recipe: imagebuilder.CfnImageRecipe;

  constructor(scope: Construct, id: string, props: GoldenImageRecipeProps) {
    super(scope, id);
    const { partition, region } = Stack.of(this);
    this.recipe = new imagebuilder.CfnImageRecipe(this, 'Resource', {
      name: props.name,
      version: RECIPE_VERSION,
      description: `${props.baseImage} (newest) with the service runtime, agents and hardening`,
      parentImage: `arn:${partition}:imagebuilder:${region}:aws:image/${props.baseImage}/x.x.x`,
      components: [
        ...props.build.map((c) => ({ componentArn: c.arnFilter })),
        ...props.test.map(({ component, parameters }) => ({
          componentArn: component.arnFilter,
          parameters: Object.entries(parameters).map(([name, value]) => ({ name, value: [value] })),
        })),
      ],
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            encrypted: true,
            kmsKeyId: props.key.keyArn,
            volumeSize: 16,
            volumeType: 'gp3',
            deleteOnTermination: true,
          },
        },
      ],
    });
    // The ARNs are version filters, not references: the components must exist first.
    for (const c of [...props.build, ...props.test.map((t) => t.component)])
      this.recipe.addDependency(c.resource);
  }
}
