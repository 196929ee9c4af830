import { App, Aspects, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { declareLogBucket, Guardrails } from '../../../lib/aspects/guardrails.ts';
import { tagEstate } from '../../../lib/aspects/tags.ts';

// One small stack with a resource of every kind the guardrails fix or refuse, left at its defaults.
let template: Template;
let annotations: Annotations;

beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
  new s3.Bucket(stack, 'Data');
  declareLogBucket(new s3.Bucket(stack, 'Logs', { lifecycleRules: [{ expiration: Duration.days(7) }] }));
  new s3.Bucket(stack, 'AlreadyTls', { enforceSSL: true });
  new logs.LogGroup(stack, 'Forever', { retention: logs.RetentionDays.INFINITE });
  new kms.CfnKey(stack, 'Static', { keyPolicy: {} });
  new kms.CfnKey(stack, 'Signing', { keyPolicy: {}, keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });
  new sns.Topic(stack, 'Plain');
  new iam.Policy(stack, 'Admin', {
    statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })],
  });
  new CfnResource(stack, 'RawFunction', { type: 'AWS::Lambda::Function', properties: {} });
  Aspects.of(app).add(tagEstate(app, DEFAULT_CONFIG));
  Aspects.of(app).add(new Guardrails({ logRetentionDays: 30 }));
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const logicalId = (prefix: string) =>
  Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith(prefix)) ?? prefix;

describe('Guardrails', () => {
  it('GOV-2: gives a bucket without encryption SSE-S3, and blocks all public access', () => {
    expect(template.findResources('AWS::S3::Bucket')[logicalId('Data')]?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('versions data buckets and leaves declared log buckets to their lifecycle', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(buckets[logicalId('Data')]?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(buckets[logicalId('Logs')]?.Properties.VersioningConfiguration).toBeUndefined();
  });

  it('adds a TLS-only policy to every bucket, once', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      const tls = policy.Properties.PolicyDocument.Statement.filter(
        (s: { Condition?: { Bool?: Record<string, string> } }) =>
          s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      expect(tls).toHaveLength(1);
    }
  });

  it('gives a log group without retention the profile retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('turns on rotation of a symmetric key and refuses an asymmetric one', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: Match.absent(), EnableKeyRotation: true });
    annotations.hasError('/Fixture/Signing', Match.stringLikeRegexp('cannot rotate'));
  });

  it('refuses an unencrypted topic', () => {
    annotations.hasError('/Fixture/Plain/Resource', Match.stringLikeRegexp('not encrypted'));
  });

  it('GOV-3: refuses a statement allowing Action * on Resource *', () => {
    annotations.hasError('/Fixture/Admin/Resource', Match.stringLikeRegexp('administrator access'));
  });

  it('GOV-1: tags L2, L1 and raw resources with purpose = DevOps exam', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::SNS::Topic', 'AWS::KMS::Key', 'AWS::Lambda::Function']) {
      template.allResourcesProperties(type, {
        Tags: Match.arrayWith([{ Key: 'purpose', Value: 'DevOps exam' }]),
      });
    }
  });
});
