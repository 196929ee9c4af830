import { describe, expect, it } from 'vitest';
import { estate } from '../../support/estate.ts';
import { only, props, resources } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const PRIMARY = '111111111111';
const RECOVERY = '222222222222';
const PIPELINE_ROLE = `arn:aws:iam::${PRIMARY}:role/Hello-release-pipeline`;

type Json = Record<string, unknown>;

describe.each(PROFILES)('the recovery account standby releases of the %s estate', (profile) => {
  const stack = () => estate(profile).stack('Hello-Recovery-Standby-us-east-2');
  const role = () => only(stack().json, 'AWS::IAM::Role');
  const bucketId = () => only(stack().json, 'AWS::S3::Bucket')[0];

  it('CICD-8: the bucket lives in the recovery account and region: versioned, on the estate key, access-logged, private', () => {
    expect([stack().account, stack().region]).toEqual([RECOVERY, 'us-east-2']);
    const bucket = props(only(stack().json, 'AWS::S3::Bucket')[1]);
    expect(bucket).toMatchObject({
      BucketName: `hello-standby-releases-${RECOVERY}-us-east-2`,
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: expect.anything(),
        LogFilePrefix: `hello-standby-releases-${RECOVERY}-us-east-2/`,
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const [rule] = (bucket.BucketEncryption as { ServerSideEncryptionConfiguration: Json[] })
      .ServerSideEncryptionConfiguration;
    expect(rule).toMatchObject({
      ServerSideEncryptionByDefault: {
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: {
          'Fn::GetStackOutput': expect.objectContaining({ StackName: 'Hello-Recovery-Foundation-us-east-2' }),
        },
      },
    });
  });

  it("CICD-8: the delivery role trusts only the pipeline's role of the primary account, named", () => {
    const trust = props(role()[1]);
    expect(trust.RoleName).toBe('Hello-Recovery-StandbyDelivery');
    expect((trust.AssumeRolePolicyDocument as { Statement: Json[] }).Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        // The account as principal, narrowed by the condition: valid before the pipeline's role exists.
        Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
        Condition: { ArnEquals: { 'aws:PrincipalArn': PIPELINE_ROLE } },
      },
    ]);
  });

  it("CICD-8: the delivery role may put objects into that bucket and use that key through S3, and read only the action's input", () => {
    const policies = resources(stack().json, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(props(p).Roles).includes(role()[0]),
    );
    expect(resources(stack().json, 'AWS::IAM::ManagedPolicy')).toEqual([]);
    expect(props(role()[1]).ManagedPolicyArns).toBeUndefined();
    const statements = policies.flatMap(
      ([, p]) => (props(p).PolicyDocument as { Statement: Json[] }).Statement,
    );
    const viaS3 = { StringEquals: { 'kms:ViaService': 's3.us-east-2.amazonaws.com' } };
    expect(statements).toEqual([
      {
        Sid: 'WriteReleases',
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] },
      },
      {
        Sid: 'EncryptReleases',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: {
          'Fn::GetStackOutput': expect.objectContaining({ StackName: 'Hello-Recovery-Foundation-us-east-2' }),
        },
        Condition: viaS3,
      },
      {
        Sid: 'ReadActionInput',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Effect: 'Allow',
        Resource: `arn:aws:s3:::hello-release-artifacts-${PRIMARY}-us-east-2/*`,
      },
      {
        Sid: 'DecryptActionInput',
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: `arn:aws:kms:us-east-2:${PRIMARY}:key/*`,
        Condition: { ...viaS3, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/hello/estate' } },
      },
    ]);
  });

  it('CICD-8: the stack exists before the pipeline that names its role', () => {
    expect(estate(profile).stack('Hello-Pipeline-us-east-1').dependsOn).toContain(stack().name);
  });
});
