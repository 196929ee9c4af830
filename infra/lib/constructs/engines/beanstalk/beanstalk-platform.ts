import { Stack, Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Props of {@link BeanstalkPlatform}. */
export interface BeanstalkPlatformProps {
  /** The platform branch, as Elastic Beanstalk names it: `Node.js 24 running on 64bit Amazon Linux 2023`. */
  readonly branch: string;
}

/**
 * The recommended platform version of a branch, resolved in the account and region at deploy time.
 *
 * A solution stack name pins a platform version (`v6.10.0`), and Elastic Beanstalk stops offering a
 * superseded version to accounts that never used it: a fresh account would refuse the environment. The
 * lookup runs when the resource is created and when the branch changes, never on other deployments: the
 * environment keeps its version, and managed platform updates move it within the branch.
 */
export class BeanstalkPlatform extends Construct {
  /** The platform version's ARN, for the environment's `PlatformArn`. */
  readonly platformArn: string;

  constructor(scope: Construct, id: string, props: BeanstalkPlatformProps) {
    super(scope, id);
    const lookup: cr.AwsSdkCall = {
      service: 'ElasticBeanstalk',
      action: 'listPlatformVersions',
      parameters: {
        Filters: [
          { Type: 'PlatformBranchName', Operator: '=', Values: [props.branch] },
          { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
        ],
      },
      // The branch names the resource: only a new branch makes CloudFormation update it (and look again).
      physicalResourceId: cr.PhysicalResourceId.of(props.branch),
      outputPaths: [PLATFORM_ARN],
    };
    const resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::BeanstalkPlatform',
      installLatestAwsSdk: false,
      onCreate: lookup,
      onUpdate: lookup,
      // ListPlatformVersions has no resource type to scope to.
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    this.platformArn = resource.getResponseField(PLATFORM_ARN);
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'elasticbeanstalk:ListPlatformVersions has no resource type: IAM accepts only "*"',
    });
    acknowledgeProvider(this);
  }
}

const PLATFORM_ARN = 'PlatformSummaryList.0.PlatformArn';

/** aws-cdk-lib's one AwsCustomResource provider function per stack (its construct id is fixed). */
function acknowledgeProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  if (provider === undefined) return;
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "aws-cdk-lib's AwsCustomResource provider: logging only; its API rights are its resources' policies",
  });
}
