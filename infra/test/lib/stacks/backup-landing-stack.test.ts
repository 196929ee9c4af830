import { describe, expect, it } from 'vitest';
import { backupRetention, DEFAULT_CONFIG } from '../../../config/index.ts';
import { estate } from '../../support/estate.ts';
import { only, props, resources } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const RECOVERY = '222222222222';
const KEPT_VAULT = `arn:aws:backup:us-east-2:${RECOVERY}:backup-vault:hello-recovery-us-east-2-vault`;

type Json = Record<string, unknown>;

describe.each(PROFILES)('the recovery account backup landing of the %s estate', (profile) => {
  const stack = () => estate(profile).stack('Hello-Recovery-Backup-us-east-1');
  const idOf = (type: string, prefix = '') => {
    const found = resources(stack().json, type).filter(([id]) => id.startsWith(prefix));
    if (found.length !== 1 || found[0] === undefined) throw new Error(`expected one ${prefix} ${type}`);
    return found[0][0];
  };

  it('DATA-4: lives in the recovery account and the home region, with its own rotating key and no network', () => {
    expect([stack().account, stack().region]).toEqual([RECOVERY, 'us-east-1']);
    expect(props(only(stack().json, 'AWS::KMS::Key')[1]).EnableKeyRotation).toBe(true);
    expect(props(only(stack().json, 'AWS::KMS::Alias')[1]).AliasName).toBe('alias/hello/estate');
    expect(resources(stack().json, 'AWS::EC2::VPC')).toEqual([]);
  });

  it('DATA-4: a relay copies what lands in the vault to the recovery region vault, every 15 minutes', () => {
    const fn = props(only(stack().json, 'AWS::Lambda::Function')[1]);
    expect((fn.Environment as { Variables: Json }).Variables).toEqual({
      LANDING_VAULT_NAME: { 'Fn::GetAtt': [idOf('AWS::Backup::BackupVault'), 'BackupVaultName'] },
      DESTINATION_VAULT_ARN: KEPT_VAULT,
      COPY_ROLE_ARN: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'RelayCopyRole'), 'Arn'] },
      RETENTION_DAYS: String(backupRetention({ ...DEFAULT_CONFIG, profile }).daily),
    });
    expect(fn.Runtime).toBe('nodejs24.x');
    const rule = props(only(stack().json, 'AWS::Events::Rule')[1]);
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [idOf('AWS::Lambda::Function'), 'Arn'] } }),
    ]);
  });

  it("SEC-3: the relay reserves no concurrency, which a new account's Lambda quota would refuse", () => {
    const fn = props(only(stack().json, 'AWS::Lambda::Function')[1]);
    expect(fn).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('DATA-4: the relay may list the landing vault, start copies of its points and pass only the copy role', () => {
    const policy = props(only(stack().json, 'AWS::IAM::Policy')[1]).PolicyDocument as { Statement: Json[] };
    expect(policy.Statement).toEqual([
      {
        Action: 'backup:ListRecoveryPointsByBackupVault',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [idOf('AWS::Backup::BackupVault'), 'BackupVaultArn'] },
      },
      { Action: 'backup:ListCopyJobs', Effect: 'Allow', Resource: '*' },
      {
        Action: 'backup:StartCopyJob',
        Effect: 'Allow',
        // Aurora's recovery points are RDS cluster snapshots that AWS Backup names awsbackup:job-…
        Resource: [
          `arn:aws:backup:us-east-1:${RECOVERY}:recovery-point:*`,
          `arn:aws:rds:us-east-1:${RECOVERY}:cluster-snapshot:awsbackup:*`,
        ],
      },
      {
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'RelayCopyRole'), 'Arn'] },
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [idOf('AWS::Logs::LogGroup'), 'Arn'] },
      },
    ]);
  });

  it('DATA-4: AWS Backup runs the copies with the service role policy, trusted by backup.amazonaws.com only', () => {
    const role = props(stack().json.Resources[idOf('AWS::IAM::Role', 'RelayCopyRole')]);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
      ],
      Version: '2012-10-17',
    });
    expect(JSON.stringify(role.ManagedPolicyArns)).toContain(
      ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
    );
  });

  it('DATA-4: two failing passes in a row, or an hour without a pass, alarm on the stack topic, encrypted with the key', () => {
    const alarms = resources(stack().json, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    expect(alarms).toEqual([
      expect.objectContaining({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Period: 900,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: idOf('AWS::SNS::Topic') }],
      }),
      expect.objectContaining({
        MetricName: 'Invocations',
        Namespace: 'AWS/Lambda',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: idOf('AWS::SNS::Topic') }],
      }),
    ]);
    const topic = props(only(stack().json, 'AWS::SNS::Topic')[1]);
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [idOf('AWS::KMS::Key'), 'Arn'] });
  });
});
