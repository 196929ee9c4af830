import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceProvider } from '../foundation/deploy-time-lookup.ts';

/** Props of {@link GoldenImageParameter}. */
export interface GoldenImageParameterProps {
  /** `/hello/<region>/ami/latest`: what the launch templates resolve at every launch. */
  readonly parameterName: string;
  /** The public parameter of the base image (config `ec2.amiParameter`), read at deploy time. */
  readonly baseImageParameter: string;
}

/**
 * Makes sure the region's `latest` image parameter exists before the first instance launches: it creates
 * it with the public base image when it is missing (so the first deploy, before any bake, launches the
 * public Amazon Linux 2023) and never touches it afterwards. Image Builder's distribution owns the value
 * from the first bake on, so this resource neither updates it nor deletes it: a CloudFormation-owned
 * parameter would be reset to the base image by any later update of its stack, and deleting one engine's
 * stack would pull the image from under the other engine of the region.
 */
export class GoldenImageParameter extends Construct {
  /** The parameter's name. */
  readonly parameterName: string;

  constructor(scope: Construct, id: string, props: GoldenImageParameterProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    const base = ssm.StringParameter.valueForTypedStringParameterV2(
      this,
      props.baseImageParameter,
      ssm.ParameterValueType.AWS_EC2_IMAGE_ID,
    );
    const resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::GoldenImageParameter',
      installLatestAwsSdk: false,
      onCreate: {
        service: 'SSM',
        action: 'PutParameter',
        parameters: {
          Name: props.parameterName,
          Value: base,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: false,
          Description:
            'Newest golden AMI of this region, written by Image Builder; the base image until the first bake',
        },
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
        physicalResourceId: cr.PhysicalResourceId.of(props.parameterName),
      },
      // SSM validates an aws:ec2:image value by reading the image as the caller.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter'],
          resources: [`arn:${partition}:ssm:${region}:${account}:parameter${props.parameterName}`],
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }),
      ]),
    });
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeImages has no resource type: IAM accepts only "*"',
    });
    this.parameterName = props.parameterName;
    this.node.defaultChild = resource;
    acknowledgeCustomResourceProvider(
      this,
      "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are its resources' policies",
    );
  }
}
