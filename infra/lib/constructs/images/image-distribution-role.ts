import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AwsRegion } from '../../../config/index.ts';
import { DISTRIBUTION_ROLE_NAME } from './golden-image-names.ts';

/** Props of {@link ImageDistributionRole}. */
export interface ImageDistributionRoleProps {
  /** The account whose Image Builder copies images here. */
  readonly sourceAccount: string;
  /** Its build region and the alias of its estate key there, which encrypts the source snapshots. */
  readonly source: { readonly region: AwsRegion; readonly keyAlias: string };
  /** This account's estate key in this region: the copy is re-encrypted with it. */
  readonly key: kms.IKey;
  /** The parameter of this region and account that receives the copy's image id. */
  readonly parameterName: string;
}

/**
 * The role Image Builder of the primary account assumes to copy the golden image into this account
 * (AWS fixes its name): the copy (CopyImage, tags, the managed policy AWS documents), decrypting the
 * source snapshot with the primary account's key, encrypting the copy with this account's, and writing
 * this region's `latest` parameter. The copy belongs to this account and outlives the primary account.
 */
export class ImageDistributionRole extends Construct {
  /** The role. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ImageDistributionRoleProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);
    // The account, not a role of it: an account principal always exists, and the primary account's IAM
    // decides which of its principals (Image Builder's service-linked role) may assume this one.
    this.role = new iam.Role(this, 'Role', {
      roleName: DISTRIBUTION_ROLE_NAME,
      assumedBy: new iam.AccountPrincipal(props.sourceAccount),
      description: `Image Builder of ${props.sourceAccount} copies the golden image into this account`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('Ec2ImageBuilderCrossAccountDistributionAccess'),
      ],
    });
    const ebs = { 'kms:ViaService': `ec2.${region}.amazonaws.com` };
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptTheCopy',
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: ebs },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GrantTheCopy',
        actions: ['kms:CreateGrant'],
        resources: [props.key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: ebs },
      }),
    );
    // An IAM policy cannot name a key by its alias ARN; the condition names it by alias instead.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptTheSource',
        actions: ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey', 'kms:CreateGrant'],
        resources: [`arn:${partition}:kms:${props.source.region}:${props.sourceAccount}:key/*`],
        // Through EC2 only; a cross-region copy reaches the source key from either end.
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': props.source.keyAlias },
          StringEquals: {
            'kms:ViaService': [`ec2.${props.source.region}.amazonaws.com`, `ec2.${region}.amazonaws.com`],
          },
        },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LatestImageParameter',
        actions: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:AddTagsToResource'],
        resources: [`arn:${partition}:ssm:${region}:${account}:parameter${props.parameterName}`],
      }),
    );
    const acknowledge = (ruleId: string, reason: string) =>
      Validations.of(this.role).acknowledge({ id: ruleId, reason });
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess]',
      'The policy AWS documents for this role: CopyImage, DescribeImages, ModifyImageAttribute, image tags',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'Re-encrypting the copied snapshot with this key, and only this key',
    );
    acknowledge(
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'Data keys of the copied snapshot under this key only',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:${partition}:kms:${props.source.region}:${props.sourceAccount}:key/*]`,
      `Only the key with alias ${props.source.keyAlias} (condition kms:ResourceAliases): a key of another account can only be named by id or alias`,
    );
  }
}
