import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/index.ts';
import { estate } from './support/estate.ts';
import { evaluate, type PolicyStatement } from './support/policy-evaluator.ts';

const POLICY = new URL('../../deploy/bootstrap/recovery-execution-policy.json', import.meta.url);
const statements = (): PolicyStatement[] =>
  (JSON.parse(readFileSync(POLICY, 'utf8')) as { Statement: PolicyStatement[] }).Statement;
const RECOVERY = DEFAULT_CONFIG.accounts.recovery;

/** The call CloudFormation makes to create a resource of each type the recovery account's stacks hold. */
const CREATE: Readonly<Record<string, string>> = {
  'AWS::Backup::BackupVault': 'backup:CreateBackupVault',
  'AWS::Budgets::Budget': 'budgets:ModifyBudget',
  'AWS::CloudWatch::Alarm': 'cloudwatch:PutMetricAlarm',
  'AWS::EC2::EIP': 'ec2:AllocateAddress',
  'AWS::EC2::FlowLog': 'ec2:CreateFlowLogs',
  'AWS::EC2::InternetGateway': 'ec2:CreateInternetGateway',
  'AWS::EC2::NatGateway': 'ec2:CreateNatGateway',
  'AWS::EC2::Route': 'ec2:CreateRoute',
  'AWS::EC2::RouteTable': 'ec2:CreateRouteTable',
  'AWS::EC2::SecurityGroup': 'ec2:CreateSecurityGroup',
  'AWS::EC2::Subnet': 'ec2:CreateSubnet',
  'AWS::EC2::SubnetRouteTableAssociation': 'ec2:AssociateRouteTable',
  'AWS::EC2::VPC': 'ec2:CreateVpc',
  'AWS::EC2::VPCEndpoint': 'ec2:CreateVpcEndpoint',
  'AWS::EC2::VPCGatewayAttachment': 'ec2:AttachInternetGateway',
  'AWS::ECR::RegistryPolicy': 'ecr:PutRegistryPolicy',
  'AWS::Events::Rule': 'events:PutRule',
  'AWS::IAM::Policy': 'iam:PutRolePolicy',
  'AWS::IAM::Role': 'iam:CreateRole',
  'AWS::KMS::Alias': 'kms:CreateAlias',
  'AWS::KMS::Key': 'kms:CreateKey',
  'AWS::Lambda::Function': 'lambda:CreateFunction',
  'AWS::Lambda::Permission': 'lambda:AddPermission',
  'AWS::Logs::LogGroup': 'logs:CreateLogGroup',
  'AWS::S3::Bucket': 's3:CreateBucket',
  'AWS::S3::BucketPolicy': 's3:PutBucketPolicy',
  'AWS::SNS::Topic': 'sns:CreateTopic',
  'AWS::SNS::TopicPolicy': 'sns:SetTopicAttributes',
  'AWS::SSM::Parameter': 'ssm:PutParameter',
  'AWS::SSM::Document': 'ssm:CreateDocument',
  'AWS::Config::ConfigurationRecorder': 'config:PutConfigurationRecorder',
  'AWS::Config::DeliveryChannel': 'config:PutDeliveryChannel',
  'AWS::Config::ConfigRule': 'config:PutConfigRule',
  'AWS::Config::RemediationConfiguration': 'config:PutRemediationConfigurations',
  'AWS::Config::AggregationAuthorization': 'config:PutAggregationAuthorization',
  'AWS::CloudTrail::Trail': 'cloudtrail:CreateTrail',
  // A CDK custom resource: CloudFormation invokes its provider function.
  Custom: 'lambda:InvokeFunction',
};

describe.each(['lab', 'production'] as const)(
  'the recovery execution policy and the %s estate',
  (profile) => {
    const recoveryStacks = () => estate(profile).stacks.filter((s) => s.account === RECOVERY);

    it('SEC-2: lets CloudFormation create every resource type of the recovery account stacks, and pass only their roles', () => {
      expect(recoveryStacks().length).toBeGreaterThan(0);
      const refused = recoveryStacks().flatMap((stack) =>
        Object.entries(stack.json.Resources).flatMap(([id, r]) => {
          const action = CREATE[r.Type.startsWith('Custom::') ? 'Custom' : r.Type];
          if (action === undefined) return [`${stack.name} ${id}: no create action known for ${r.Type}`];
          // CDK names a role after its stack and id, unless the template gives it a name of its own.
          const roleName = r.Type === 'AWS::IAM::Role' ? r.Properties?.RoleName : undefined;
          const resource = `arn:aws:iam::${RECOVERY}:role/${typeof roleName === 'string' ? roleName : `${stack.name}-${id}`}`;
          const calls =
            r.Type === 'AWS::IAM::Role' ? [action, 'iam:PassRole', 'iam:PutRolePolicy'] : [action];
          return calls
            .filter((a) => evaluate(statements(), { action: a, resource }) !== 'allow')
            .map((a) => `${stack.name} ${id} (${r.Type}): ${a} not allowed`);
        }),
      );
      expect(refused).toEqual([]);
      expect(
        evaluate(statements(), { action: 'iam:PassRole', resource: `arn:aws:iam::${RECOVERY}:role/Admin` }),
      ).toBe('implicit deny');
    });
  },
);

describe('the recovery execution policy', () => {
  const vault = `arn:aws:backup:us-east-2:${RECOVERY}:backup-vault:hello-recovery-us-east-2-vault`;
  const key = `arn:aws:kms:us-east-2:${RECOVERY}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const replica = `arn:aws:s3:::hello-replica-${RECOVERY}-us-east-2`;
  const DENIED: readonly [string, string][] = [
    ['backup:DeleteRecoveryPoint', `arn:aws:backup:us-east-2:${RECOVERY}:recovery-point:abc`],
    ['backup:UpdateRecoveryPointLifecycle', `arn:aws:backup:us-east-2:${RECOVERY}:recovery-point:abc`],
    ['backup:DeleteBackupVault', vault],
    ['backup:DeleteBackupVaultLockConfiguration', vault],
    ['backup:PutBackupVaultLockConfiguration', vault],
    ['backup:DeleteBackupVaultAccessPolicy', vault],
    ['backup:PutBackupVaultAccessPolicy', vault],
    ['kms:ScheduleKeyDeletion', key],
    ['kms:DisableKey', key],
    ['kms:PutKeyPolicy', key],
    ['s3:DeleteObject', `${replica}/parameters/x`],
    ['s3:DeleteObjectVersion', `${replica}/parameters/x`],
    ['s3:PutBucketPolicy', replica],
    ['s3:DeleteBucketPolicy', replica],
    ['s3:PutBucketObjectLockConfiguration', replica],
    ['s3:PutLifecycleConfiguration', replica],
    ['s3:PutBucketVersioning', replica],
  ];

  it.each(DENIED)(
    'SEC-2: denies %s on %s, whatever else allows it (the copies survive a compromised primary)',
    (action, resource) => {
      expect(evaluate(statements(), { action, resource })).toBe('deny');
    },
  );

  it('SEC-2: grants no administrator access (no Allow of * or of a whole service)', () => {
    const actions = statements()
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => a === '*' || /:\*$/.test(String(a)))).toEqual([]);
    expect(statements().some((s) => s.NotAction !== undefined)).toBe(false);
  });
});
