import { describe, expect, it } from 'vitest';
import { estate, type TemplateJson } from '../../support/estate.ts';
import { only, props, resources, target } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const PRIMARY = '111111111111';
const RECOVERY = '222222222222';
const HOME_KEY = {
  'Fn::GetStackOutput': {
    StackName: 'Hello-Foundation-us-east-1',
    Region: 'us-east-1',
    OutputName: 'PublishOutputFnGetAttEstateKeyD856292BArn31EEAA3E',
  },
};
const EXPORT_BUCKET = `hello-parameter-exports-${PRIMARY}-us-east-1`;
const REPLICA_BUCKET = `hello-replica-${RECOVERY}-us-east-2`;
const RECOVERY_KEY_ALIAS_ARN = `arn:aws:kms:us-east-2:${RECOVERY}:alias/hello/estate`;

type Statement = Record<string, unknown>;

function statementsOf(json: TemplateJson, policyIdPrefix: string): Statement[] {
  return resources(json, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(policyIdPrefix))
    .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Statement[] }).Statement);
}

/** `Fn::Join` of a bucket's ARN and a suffix, as CDK writes `arnForObjects`. */
function objects(bucketId: string, suffix: string) {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, suffix]] };
}

describe.each(PROFILES)('the parameter backup of the %s estate', (profile) => {
  const stack = () => estate(profile).stack('Hello-Parameters-us-east-1');
  const recoveryData = () => estate(profile).stack('Hello-Recovery-Data-us-east-2');
  const exportBucket = () => {
    const found = resources(stack().json, 'AWS::S3::Bucket').find(([id]) => id.startsWith('ParameterBackup'));
    if (found === undefined) throw new Error('no export bucket');
    return found;
  };

  it('DATA-5: lives in the home region of the primary account and deploys after the recovery data', () => {
    expect(stack()).toMatchObject({ account: PRIMARY, region: 'us-east-1' });
    expect(stack().dependsOn).toContain('Hello-Recovery-Data-us-east-2');
    expect(recoveryData()).toMatchObject({ account: RECOVERY, region: 'us-east-2' });
  });

  it('DATA-5: the function is told the prefix, the recovery region, its keys and the bucket', () => {
    const [, fn] = only(stack().json, 'AWS::Lambda::Function');
    expect(props(fn)).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
    expect(props(fn).Environment).toEqual({
      Variables: {
        PARAMETER_PREFIX: '/hello/',
        RECOVERY_REGION: 'us-east-2',
        RECOVERY_PARAMETER_KEY_ID: 'alias/aws/ssm',
        EXPORT_BUCKET: EXPORT_BUCKET,
        EXPORT_BUCKET_KEY_ID: HOME_KEY,
        EXPORT_VALUE_KEY_ID: RECOVERY_KEY_ALIAS_ARN,
      },
    });
    const [logId, logs] = only(stack().json, 'AWS::Logs::LogGroup');
    expect(props(logs)).toMatchObject({ KmsKeyId: HOME_KEY, RetentionInDays: profile === 'lab' ? 30 : 365 });
    expect(target((props(fn).LoggingConfig as Record<string, unknown>).LogGroup)).toBe(logId);
  });

  it('DATA-5: every parameter change under /hello/ and a daily schedule invoke it, with retries and a DLQ', () => {
    const [fnId] = only(stack().json, 'AWS::Lambda::Function');
    const [queueId, queue] = only(stack().json, 'AWS::SQS::Queue');
    expect(props(queue).SqsManagedSseEnabled).toBe(true);
    const rules = resources(stack().json, 'AWS::Events::Rule').map(([, r]) => props(r));
    expect(rules.map((r) => r.EventPattern ?? r.ScheduleExpression)).toEqual([
      {
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: [{ prefix: '/hello/' }] },
      },
      'cron(0 3 * * ? *)',
    ]);
    for (const rule of rules) {
      expect(rule.Targets).toEqual([
        {
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          Id: 'Target0',
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 6 * 3600, MaximumRetryAttempts: 4 },
        },
      ]);
    }
  });

  it('DATA-5: the role may do exactly what the function does, on exactly the estate parameters, bucket and keys', () => {
    const [bucketId] = exportBucket();
    const [logId] = only(stack().json, 'AWS::Logs::LogGroup');
    const [roleId, role] = resources(stack().json, 'AWS::IAM::Role').find(([id]) =>
      id.startsWith('ParameterBackupRole'),
    ) ?? ['', undefined];
    expect(props(role).RoleName).toBe('hello-parameter-backup-us-east-1');
    expect(props(role).ManagedPolicyArns).toBeUndefined();
    const [, fn] = only(stack().json, 'AWS::Lambda::Function');
    expect(props(fn).Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const ssm = (region: string, path: string) => `arn:aws:ssm:${region}:${PRIMARY}:parameter${path}`;
    const via = (service: string) => ({ StringEquals: { 'kms:ViaService': `${service}.amazonaws.com` } });
    expect(statementsOf(stack().json, 'ParameterBackupRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logId, 'Arn'] },
      },
      { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssm('us-east-1', '/hello/*') },
      {
        Effect: 'Allow',
        Action: 'ssm:GetParametersByPath',
        Resource: [ssm('us-east-1', '/hello'), ssm('us-east-1', '/hello/*')],
      },
      {
        Effect: 'Allow',
        Action: ['ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'],
        Resource: ssm('us-east-2', '/hello/*'),
      },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: HOME_KEY, Condition: via('ssm.us-east-1') },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: `arn:aws:kms:us-east-2:${PRIMARY}:key/*`,
        Condition: via('ssm.us-east-2'),
      },
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: [objects(bucketId, '/manifests/*'), objects(bucketId, '/parameters/*')],
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects(bucketId, '/parameters/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: HOME_KEY, Condition: via('s3.us-east-1') },
      {
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: `arn:aws:kms:us-east-2:${RECOVERY}:key/*`,
        Condition: { StringEquals: { 'kms:RequestAlias': 'alias/hello/estate' } },
      },
    ]);
  });

  it('DATA-5: the export bucket is versioned, on the estate key, tagged for backup, old versions expire', () => {
    const [, bucket] = exportBucket();
    expect(props(bucket)).toMatchObject({
      BucketName: EXPORT_BUCKET,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: HOME_KEY },
          },
        ],
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })],
      },
    });
    expect(props(bucket).Tags).toContainEqual({ Key: 'backup', Value: 'true' });
  });

  it('DATA-5: the recovery key lets only the function role seal exported values', () => {
    const key = only(estate(profile).stack('Hello-Recovery-Foundation-us-east-2').json, 'AWS::KMS::Key')[1];
    const statements = (props(key).KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements.find((s) => s.Sid === 'ParameterExportSealing')).toEqual({
      Sid: 'ParameterExportSealing',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${PRIMARY}:role/hello-parameter-backup-us-east-1` },
      },
    });
  });

  it('DATA-7: the export bucket replicates to the recovery account, owned by it and on its key', () => {
    const [, bucket] = exportBucket();
    const [roleId] = resources(stack().json, 'AWS::IAM::Role').find(([id]) =>
      id.startsWith('ReplicationRole'),
    ) ?? [''];
    const rtc =
      profile === 'production'
        ? {
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          }
        : {};
    expect(props(bucket).ReplicationConfiguration).toEqual({
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Rules: [
        {
          Id: 'to-recovery-account',
          Priority: 1,
          Status: 'Enabled',
          Filter: { Prefix: '' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: {
            Bucket: `arn:aws:s3:::${REPLICA_BUCKET}`,
            Account: RECOVERY,
            AccessControlTranslation: { Owner: 'Destination' },
            EncryptionConfiguration: { ReplicaKmsKeyID: RECOVERY_KEY_ALIAS_ARN },
            ...rtc,
          },
        },
      ],
    });
  });

  it('DATA-7: the replication role reads the source, writes the replica and uses each key through S3', () => {
    const source = `arn:aws:s3:::${EXPORT_BUCKET}`;
    const via = (region: string) => ({ StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } });
    expect(statementsOf(stack().json, 'ReplicationRole')).toEqual([
      {
        Effect: 'Allow',
        Action: [
          's3:ObjectOwnerOverrideToBucketOwner',
          's3:ReplicateDelete',
          's3:ReplicateObject',
          's3:ReplicateTags',
        ],
        Resource: `arn:aws:s3:::${REPLICA_BUCKET}/*`,
      },
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: `arn:aws:kms:us-east-2:${RECOVERY}:key/*`,
        Condition: via('us-east-2'),
      },
      { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: source },
      {
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'],
        Resource: `${source}/*`,
      },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: HOME_KEY, Condition: via('us-east-1') },
    ]);
  });

  it('DATA-7: the replica bucket admits only the primary account replication role, on the recovery key', () => {
    const [bucketId, bucket] = only(recoveryData().json, 'AWS::S3::Bucket');
    expect(props(bucket)).toMatchObject({
      BucketName: REPLICA_BUCKET,
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(JSON.stringify(props(bucket).BucketEncryption)).toContain(
      '"StackName":"Hello-Recovery-Foundation-us-east-2"',
    );
    const [, policy] = only(recoveryData().json, 'AWS::S3::BucketPolicy');
    const allows = (props(policy).PolicyDocument as { Statement: Statement[] }).Statement.filter(
      (s) => s.Effect === 'Allow',
    );
    const onlyTheRole = {
      ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${PRIMARY}:role/hello-bucket-replication-us-east-1` },
    };
    const principal = { AWS: `arn:aws:iam::${PRIMARY}:root` };
    expect(allows).toEqual([
      {
        Sid: 'ReplicateFromSource',
        Effect: 'Allow',
        Principal: principal,
        Action: [
          's3:ObjectOwnerOverrideToBucketOwner',
          's3:ReplicateDelete',
          's3:ReplicateObject',
          's3:ReplicateTags',
        ],
        Resource: objects(bucketId, '/*'),
        Condition: onlyTheRole,
      },
      {
        Sid: 'VersioningFromSource',
        Effect: 'Allow',
        Principal: principal,
        Action: ['s3:GetBucketVersioning', 's3:PutBucketVersioning'],
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: onlyTheRole,
      },
    ]);
    const key = only(estate(profile).stack('Hello-Recovery-Foundation-us-east-2').json, 'AWS::KMS::Key')[1];
    const keyStatements = (props(key).KeyPolicy as { Statement: Statement[] }).Statement;
    expect(keyStatements.find((s) => s.Sid === 'ReplicaEncryptionBySourceRole')).toEqual({
      Sid: 'ReplicaEncryptionBySourceRole',
      Effect: 'Allow',
      Principal: principal,
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ...onlyTheRole, StringEquals: { 'kms:ViaService': 's3.us-east-2.amazonaws.com' } },
    });
  });
});
