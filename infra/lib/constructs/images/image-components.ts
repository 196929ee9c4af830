import { Stack } from 'aws-cdk-lib';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { Construct } from 'constructs';
import { type ImageComponent, imageComponents } from './component-document.ts';

/** Props of {@link ImageComponents}. */
export interface ImageComponentsProps {
  /** `hello-runtime` → the Image Builder component's name. */
  readonly componentName: (documentName: string) => string;
  /** The documents and their versions; default: deploy/ami's manifest. */
  readonly components?: readonly ImageComponent[];
}

/** A component as a recipe names it. */
export interface RecipeComponent {
  /** The document behind it. */
  readonly source: ImageComponent;
  /** The component resource. */
  readonly resource: imagebuilder.CfnComponent;
  /**
   * Its ARN with the version filter `x.x.x`: the recipe takes the newest version, so a new version of a
   * document is "a component update" for the pipeline's start condition, without a new recipe.
   */
  readonly arnFilter: string;
}

/** The golden image's components, one Image Builder component per document of deploy/ami. */
export class ImageComponents extends Construct {
  /** Build and validate components, in recipe order. */
  readonly build: readonly RecipeComponent[];
  /** Components that run on the test instance. */
  readonly test: readonly RecipeComponent[];

  constructor(scope: Construct, id: string, props: ImageComponentsProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    const all = (props.components ?? imageComponents()).map((source) => {
      const name = props.componentName(source.name);
      const resource = new imagebuilder.CfnComponent(this, pascal(source.name), {
        name,
        version: source.version,
        platform: 'Linux',
        supportedOsVersions: ['Amazon Linux 2023'],
        description: source.document.description,
        changeDescription: `deploy/ami/${source.name}.yml ${source.version}`,
        data: source.data,
      });
      const arnFilter = `arn:${partition}:imagebuilder:${region}:${account}:component/${name}/x.x.x`;
      return { source, resource, arnFilter };
    });
    this.build = all.filter((c) => !c.source.test);
    this.test = all.filter((c) => c.source.test);
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
