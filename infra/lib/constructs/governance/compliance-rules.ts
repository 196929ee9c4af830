import { Stack, Validations } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IDependable } from 'constructs';
import { RemediatedRule, type RemediationRetries } from './remediated-rule.ts';
import { RunbookDocument } from './runbook-document.ts';

/** The tag GOV-1 requires on every instance. */
export const REQUIRED_TAG = { key: 'purpose', value: 'DevOps exam' } as const;

/**
 * A bucket tagged `log-delivery = true` keeps SSE-S3: S3 server access logs and load balancer access
 * logs are delivered only to SSE-S3 buckets (see deploy/runbooks/encrypt-bucket.yaml).
 */
export const LOG_DELIVERY_TAG = { key: 'log-delivery', value: 'true' } as const;

/**
 * Types the tagging rule evaluates: instances, and their volumes, which outlive a stopped instance and
 * are billed on their own. The tagging runbook tags either by id with ec2:CreateTags.
 */
export const TAGGED_TYPES = [config.ResourceType.EC2_INSTANCE, config.ResourceType.EBS_VOLUME] as const;

/** Props of {@link ComplianceRules}. */
export interface ComplianceRulesProps {
  /** Starts every rule's name (`hello-required-tags`), so the estate's rules stand apart from the account's others. */
  readonly namePrefix: string;
  /** Also the rule on customer managed policies: IAM is global, so only the account's home region has it. */
  readonly iam: boolean;
  /** Attempts and their window, from the config. */
  readonly retries: RemediationRetries;
  /** What the rules wait for (the recorder and channel, when the estate creates them). @default - nothing */
  readonly after?: readonly IDependable[];
}

/**
 * The rules that find and fix what someone creates outside the estate's templates (GOV-1, GOV-2, GOV-3):
 * an instance or volume without the purpose tag is tagged, a bucket without KMS default encryption is
 * encrypted, a customer managed policy granting `*` on `*` is detached from every user, group and role.
 * The estate's own templates are already held to these by the guardrail aspects (the first line).
 */
export class ComplianceRules extends Construct {
  /** The three rules (two outside the home region), by concern. */
  readonly tagging: RemediatedRule;
  readonly encryption: RemediatedRule;
  readonly administrator?: RemediatedRule;

  /** The resource types these rules evaluate: what the recorder must record. */
  static resourceTypes(iamRule: boolean): config.ResourceType[] {
    return [
      ...TAGGED_TYPES,
      config.ResourceType.S3_BUCKET,
      ...(iamRule ? [config.ResourceType.IAM_POLICY] : []),
    ];
  }

  constructor(scope: Construct, id: string, props: ComplianceRulesProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const common = { retries: props.retries, after: props.after };

    const tagRunbook = new RunbookDocument(this, 'TagRunbook', { runbook: 'tag-ec2-resource' });
    this.tagging = new RemediatedRule(this, 'Tagging', {
      ...common,
      ruleName: `${props.namePrefix}-required-tags`,
      description: `Every EC2 instance and volume carries ${REQUIRED_TAG.key} = ${REQUIRED_TAG.value} (GOV-1)`,
      identifier: config.ManagedRuleIdentifiers.REQUIRED_TAGS,
      inputParameters: { tag1Key: REQUIRED_TAG.key, tag1Value: REQUIRED_TAG.value },
      resourceTypes: TAGGED_TYPES,
      documentName: tagRunbook.documentName,
      parameters: {
        ResourceId: { resourceId: true },
        TagKey: { values: [REQUIRED_TAG.key] },
        TagValue: { values: [REQUIRED_TAG.value] },
      },
      permissions: [
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags'],
          resources: ['instance/*', 'volume/*'].map((r) => `arn:${partition}:ec2:${region}:${account}:${r}`),
          // Only the required tag: the role cannot rewrite any other tag of any resource.
          conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [REQUIRED_TAG.key] } },
        }),
        // DescribeTags has no resource type: IAM accepts only "*".
        new iam.PolicyStatement({ actions: ['ec2:DescribeTags'], resources: ['*'] }),
      ],
    });
    Validations.of(this.tagging.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeTags (the runbook checks its own tag) has no resource type: IAM accepts only "*"',
    });
    for (const kind of ['instance', 'volume']) {
      acknowledgeResource(
        this.tagging.role,
        `arn:${partition}:ec2:${region}:${account}:${kind}/*`,
        `Any ${kind} Config finds untagged, and only the purpose tag (aws:TagKeys condition)`,
      );
    }

    const encryptRunbook = new RunbookDocument(this, 'EncryptRunbook', { runbook: 'encrypt-bucket' });
    this.encryption = new RemediatedRule(this, 'Encryption', {
      ...common,
      ruleName: `${props.namePrefix}-s3-default-encryption-kms`,
      description: 'Every S3 bucket encrypts new objects with KMS by default (GOV-2)',
      identifier: config.ManagedRuleIdentifiers.S3_DEFAULT_ENCRYPTION_KMS,
      resourceTypes: [config.ResourceType.S3_BUCKET],
      documentName: encryptRunbook.documentName,
      parameters: {
        BucketName: { resourceId: true },
        ExemptTagKey: { values: [LOG_DELIVERY_TAG.key] },
      },
      permissions: [
        new iam.PolicyStatement({
          // s3:GetBucketTagging and s3:GetEncryptionConfiguration are the IAM actions of
          // GetBucketTagging and GetBucketEncryption; PutBucketEncryption is s3:PutEncryptionConfiguration.
          actions: ['s3:GetBucketTagging', 's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration'],
          resources: [`arn:${partition}:s3:::*`],
        }),
      ],
    });
    acknowledgeResource(
      this.encryption.role,
      `arn:${partition}:s3:::*`,
      'Any bucket of the account Config finds unencrypted; only its tags and encryption settings',
    );

    if (props.iam) {
      this.administrator = new RemediatedRule(this, 'Administrator', {
        ...common,
        ruleName: `${props.namePrefix}-iam-policy-no-statements-with-admin-access`,
        description: 'No customer managed policy allows * on * (GOV-3); detached wherever attached',
        identifier: config.ManagedRuleIdentifiers.IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS,
        resourceTypes: [config.ResourceType.IAM_POLICY],
        documentName: 'AWSConfigRemediation-DetachIAMPolicy',
        parameters: { IAMResourceId: { resourceId: true } },
        // What the AWS managed runbook calls, from its documentation page.
        permissions: [
          new iam.PolicyStatement({
            actions: [
              'iam:DetachGroupPolicy',
              'iam:DetachRolePolicy',
              'iam:DetachUserPolicy',
              'iam:GetPolicy',
              'iam:ListEntitiesForPolicy',
            ],
            resources: ['group/*', 'role/*', 'user/*', 'policy/*'].map(
              (r) => `arn:${partition}:iam::${account}:${r}`,
            ),
          }),
          new iam.PolicyStatement({
            actions: ['config:GetResourceConfigHistory', 'config:ListDiscoveredResources'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            actions: ['ssm:GetAutomationExecution', 'ssm:StartAutomationExecution'],
            resources: ['*'],
          }),
        ],
      });
      const role = this.administrator.role;
      for (const kind of ['group', 'role', 'user', 'policy']) {
        acknowledgeResource(
          role,
          `arn:${partition}:iam::${account}:${kind}/*`,
          `The policy Config finds may be attached to any ${kind} of the account; the runbook only detaches it`,
        );
      }
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'config:GetResourceConfigHistory, config:ListDiscoveredResources and the runbook’s own automation calls take no narrower resource the runbook can name in advance',
      });
    }
  }
}

/** Acknowledges cdk-nag's wildcard finding for one resource pattern, named as the finding names it. */
function acknowledgeResource(role: iam.Role, resource: string, reason: string): void {
  const literal = Stack.of(role).resolve(resource) as string;
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${literal}]`, reason });
}
