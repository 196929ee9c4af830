import { Stack, Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** Props of {@link lookUpAtDeployTime}. */
export interface DeployTimeLookupProps {
  /** The custom resource type, `Custom::…`. */
  readonly resourceType: string;
  /** The read-only SDK call; its `physicalResourceId` decides when CloudFormation looks again. */
  readonly call: cr.AwsSdkCall;
  /** The field of the answer wanted, such as `PlatformSummaryList.0.PlatformArn`. */
  readonly outputPath: string;
  /**
   * The call's permissions.
   * @default - the call's own action on any resource, for APIs with no resource type
   */
  readonly policy?: cr.AwsCustomResourcePolicy;
  /** Why `*` is the only resource IAM accepts for the call, when `policy` is left to the default. */
  readonly anyResourceReason?: string;
}

/**
 * A value only the account and region know at deploy time (a platform version still offered, an engine
 * version a global database runs), read by one SDK call when the resource is created and again only when
 * the call's physical id changes: later deployments keep what the first one found. The resource is the
 * scope's child `Resource`.
 */
export function lookUpAtDeployTime(scope: Construct, props: DeployTimeLookupProps): string {
  const call = { ...props.call, outputPaths: [props.outputPath] };
  const resource = new cr.AwsCustomResource(scope, 'Resource', {
    resourceType: props.resourceType,
    installLatestAwsSdk: false,
    onCreate: call,
    onUpdate: call,
    policy:
      props.policy ??
      cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
  });
  if (props.policy === undefined) {
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: props.anyResourceReason ?? `${props.call.action} has no resource type: IAM accepts only "*"`,
    });
  }
  acknowledgeCustomResourceProvider(
    scope,
    "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are its resources' policies",
  );
  return resource.getResponseField(props.outputPath);
}

/** Construct id of AwsCustomResource's singleton provider function (fixed in aws-cdk-lib). */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The managed logging policy of aws-cdk-lib's one AwsCustomResource provider function per stack, created
 * with the first call: its API rights are the policies of the resources that use it.
 */
export function acknowledgeCustomResourceProvider(scope: Construct, reason: string): void {
  const provider = Stack.of(scope).node.tryFindChild(PROVIDER_ID);
  if (provider === undefined) return;
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason,
  });
}
