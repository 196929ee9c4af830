import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** Props of {@link PublishedParameters}. */
export interface PublishedParametersProps {
  /** Parameter name → value; names are the deterministic paths other regions read. */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Values that stacks in other regions (or the operator tool) need, published under names they can
 * compute: the only channel between regions, so deleting a region never waits on an export.
 */
export class PublishedParameters extends Construct {
  /** The parameters, by name. */
  readonly parameters: ReadonlyMap<string, ssm.StringParameter>;

  constructor(scope: Construct, id: string, props: PublishedParametersProps) {
    super(scope, id);
    const parameters = new Map<string, ssm.StringParameter>();
    for (const [name, value] of Object.entries(props.values)) {
      const leaf = name.split('/').pop() ?? name;
      const constructId = leaf.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
      parameters.set(
        name,
        new ssm.StringParameter(this, constructId, { parameterName: name, stringValue: value }),
      );
    }
    this.parameters = parameters;
  }
}
