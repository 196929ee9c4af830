import { ArnFormat, CfnCondition, Fn, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { type AwsRegion, type EstateConfig, parameterName } from '../../../../config/index.ts';
import { acknowledgeCustomResourceProvider } from '../../foundation/deploy-time-lookup.ts';

/** What the released-image parameter holds before the pipeline has released anything. */
export const NOTHING_RELEASED = 'none';

/** `/hello/<region>/ecs/released-image`: the tag of `hello/service` the region's ECS service runs. */
export function releasedImageParameter(config: EstateConfig, region: AwsRegion): string {
  return parameterName(config, region, 'ecs', 'released-image');
}

/** Props of {@link ReleasedImage}. */
export interface ReleasedImageProps {
  /** The image `cdk deploy` builds: what runs until the pipeline has released once. */
  readonly asset: ecs.ContainerImage;
  /** `hello/service`, replicated into the region. */
  readonly repositoryName: string;
  /** The region the pipeline pushes to (the action's image definitions name its repository). */
  readonly homeRegion: string;
  /** The SSM parameter holding the released tag, {@link NOTHING_RELEASED} at first. */
  readonly parameterName: string;
}

/**
 * The ECS service's image, as the pipeline last released it (ECS-1): `hello/service:<tag>` from the
 * region's replica, the tag read from an SSM parameter through a CloudFormation parameter of type
 * `AWS::SSM::Parameter::Value<String>`, which CloudFormation resolves again on every update. So a
 * `cdk deploy` after a release writes the released image into the task definition instead of the one it
 * built, and never takes a release back. Until the first release the parameter says `none` and the
 * task runs the image `cdk deploy` built. The execution role pulls from the region's replica and from
 * the home repository, which the pipeline's own task definition revisions name.
 */
export class ReleasedImage extends ecs.ContainerImage {
  constructor(private readonly props: ReleasedImageProps) {
    super();
  }

  override bind(scope: Construct, container: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    const built = this.props.asset.bind(scope, container);
    const stack = Stack.of(scope);
    const tag = ssm.StringParameter.valueForStringParameter(stack, this.props.parameterName);
    const nothingReleased = new CfnCondition(stack, 'NothingReleased', {
      expression: Fn.conditionEquals(tag, NOTHING_RELEASED),
    });
    const repository = (id: string, region: string) =>
      ecr.Repository.fromRepositoryAttributes(scope, id, {
        repositoryName: this.props.repositoryName,
        repositoryArn: stack.formatArn({
          service: 'ecr',
          region,
          resource: 'repository',
          resourceName: this.props.repositoryName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      });
    const replica = repository('ReleasedImages', stack.region);
    const executionRole = container.taskDefinition.obtainExecutionRole();
    replica.grantPull(executionRole);
    if (this.props.homeRegion !== stack.region)
      repository('HomeImages', this.props.homeRegion).grantPull(executionRole);
    return {
      imageName: Token.asString(
        Fn.conditionIf(nothingReleased.logicalId, built.imageName, replica.repositoryUriForTag(tag)),
      ),
    };
  }
}

/** Props of {@link ReleasedImageRecord}. */
export interface ReleasedImageRecordProps {
  /** The parameter's name. */
  readonly parameterName: string;
}

/**
 * The released-image parameter, created with {@link NOTHING_RELEASED} when it does not exist and never
 * written by CloudFormation again: the pipeline owns its value once it has released, and a parameter
 * CloudFormation declared would be reset to its template value by the next update of its resource (a
 * tag change is enough). It lives in the region's foundation because the ECS stack resolves it before
 * it creates anything.
 */
export class ReleasedImageRecord extends Construct {
  constructor(scope: Construct, id: string, props: ReleasedImageRecordProps) {
    super(scope, id);
    const { account, partition, region } = Stack.of(this);
    const name = props.parameterName;
    new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::ReleasedImageRecord',
      installLatestAwsSdk: false,
      onCreate: {
        service: 'SSM',
        action: 'putParameter',
        parameters: {
          Name: name,
          Value: NOTHING_RELEASED,
          Type: 'String',
          Overwrite: false,
          Description: 'The hello/service tag the region runs on ECS (written by the release pipeline)',
        },
        physicalResourceId: cr.PhysicalResourceId.of(name),
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
      },
      onDelete: {
        service: 'SSM',
        action: 'deleteParameter',
        parameters: { Name: name },
        ignoreErrorCodesMatching: 'ParameterNotFound',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [`arn:${partition}:ssm:${region}:${account}:parameter${name}`],
        }),
      ]),
    });
    acknowledgeCustomResourceProvider(
      this,
      "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are its resources' policies",
    );
  }
}
