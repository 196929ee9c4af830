import { Stack } from 'aws-cdk-lib';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { Construct } from 'constructs';
import type { AwsRegion } from '../../../config/index.ts';

/** One region's (and account's) copy of the image. */
export interface ImageCopy {
  /** The region. */
  readonly region: AwsRegion;
  /** The account that owns the copy; another account than the stack's makes a cross-account copy. */
  readonly account: string;
  /** The key (ARN, an alias ARN works) the copy's snapshot is encrypted with, in that region and account. */
  readonly keyArn: string;
  /** The SSM parameter in that region and account that receives the copy's image id. */
  readonly parameterName: string;
}

/** Props of {@link ImageDistribution}. */
export interface ImageDistributionProps {
  /** Name of the distribution configuration. */
  readonly name: string;
  /** Every copy; the build region's own copy comes first. */
  readonly copies: readonly ImageCopy[];
  /** Accounts that may launch the images of the primary account's regions. */
  readonly launchAccounts: readonly string[];
  /** Tags every copy carries. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Where a finished image goes: a copy per region and account, each re-encrypted with that region's
 * estate key, each region's (and account's) `latest` parameter set to its id, which launch templates
 * resolve at every launch. A copy in another account is owned by that account (it survives the loss of
 * this one); the images here are also shared with the launch accounts.
 */
export class ImageDistribution extends Construct {
  /** The distribution configuration. */
  readonly configuration: imagebuilder.CfnDistributionConfiguration;

  constructor(scope: Construct, id: string, props: ImageDistributionProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    const regions = props.copies.map((c) => c.region);
    const twice = regions.find((r, i) => regions.indexOf(r) !== i);
    if (twice !== undefined)
      throw new Error(`${this.node.path}: two copies in ${twice} (one key per region)`);
    this.configuration = new imagebuilder.CfnDistributionConfiguration(this, 'Resource', {
      name: props.name,
      description: 'Golden image: a copy per EC2 region and in the recovery account, latest id in SSM',
      distributions: props.copies.map((copy) => {
        const own = copy.account === account;
        return {
          region: copy.region,
          // A JSON property in CloudFormation's schema: its keys are PascalCase, unlike the typed ones.
          amiDistributionConfiguration: {
            Name: `${props.name}-{{ imagebuilder:buildDate }}`,
            Description: 'hello-devops golden image',
            AmiTags: props.tags,
            KmsKeyId: copy.keyArn,
            ...(own
              ? props.launchAccounts.length > 0 && {
                  LaunchPermissionConfiguration: { UserIds: [...props.launchAccounts] },
                }
              : { TargetAccountIds: [copy.account] }),
          },
          ssmParameterConfigurations: [
            {
              parameterName: copy.parameterName,
              dataType: 'aws:ec2:image',
              ...(own ? {} : { amiAccountId: copy.account }),
            },
          ],
        };
      }),
    });
  }
}
