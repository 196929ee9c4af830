import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The cdk-nag id of an AWS managed policy a role carries. */
export const managedPolicyFinding = (name: string) =>
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;

/**
 * The role Beanstalk acts with for an environment (`ServiceRole` in `scope`): the two policies AWS
 * maintains for enhanced health and managed platform updates, acknowledged as such.
 */
export function beanstalkServiceRole(scope: Construct, description: string): iam.Role {
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('elasticbeanstalk.amazonaws.com'),
    description,
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSElasticBeanstalkEnhancedHealth'),
      iam.ManagedPolicy.fromAwsManagedPolicyName('AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy'),
    ],
  });
  Validations.of(role).acknowledge(
    {
      id: managedPolicyFinding('service-role/AWSElasticBeanstalkEnhancedHealth'),
      reason: 'The service role policy AWS maintains for enhanced health reporting',
    },
    {
      id: managedPolicyFinding('AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy'),
      reason: 'The service role policy AWS maintains for managed platform updates',
    },
  );
  return role;
}

/**
 * Acknowledges the AWS managed policies every Beanstalk instance role of the estate carries (the
 * platform agent's and Session Manager's), with any the environment adds.
 */
export function acknowledgeInstancePolicies(
  role: iam.IRole,
  ...more: { readonly id: string; readonly reason: string }[]
): void {
  Validations.of(role).acknowledge(
    {
      id: managedPolicyFinding('AWSElasticBeanstalkWebTier'),
      reason:
        'What the Beanstalk platform agent needs on an instance (logs, bundle, health), maintained by AWS',
    },
    ...more,
    {
      id: managedPolicyFinding('AmazonSSMManagedInstanceCore'),
      reason: 'Session Manager replaces SSH; AWS maintains the exact SSM agent permissions in this policy',
    },
  );
}
