import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { lookUpAtDeployTime } from '../../foundation/deploy-time-lookup.ts';

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
    this.platformArn = lookUpAtDeployTime(this, {
      resourceType: 'Custom::BeanstalkPlatform',
      call: {
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
      },
      outputPath: 'PlatformSummaryList.0.PlatformArn',
      anyResourceReason: 'elasticbeanstalk:ListPlatformVersions has no resource type: IAM accepts only "*"',
    });
  }
}
