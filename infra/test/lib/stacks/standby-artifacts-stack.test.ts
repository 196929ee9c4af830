import { describe, expect, it } from 'vitest';
import { estateSites, parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { ReleaseStack } from '../../../lib/stacks/release-stack.ts';
import type { TemplateJson } from '../../support/estate.ts';
import { estate } from '../../support/estate.ts';
import { only, props, resources } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const PRIMARY = '111111111111';
const RECOVERY = '222222222222';
const DELIVERY_ROLE = `arn:aws:iam::${RECOVERY}:role/Hello-Recovery-StandbyDelivery`;

type Json = Record<string, unknown>;

/** The statements of a key's or a bucket's policy that name the recovery account. */
function recoveryGrants(json: TemplateJson, type: 'AWS::KMS::Key' | 'AWS::S3::BucketPolicy'): Json[] {
  return resources(json, type)
    .flatMap(([, r]) => {
      const document = (type === 'AWS::KMS::Key' ? props(r).KeyPolicy : props(r).PolicyDocument) as {
        Statement: Json[];
      };
      return document.Statement;
    })
    .filter((s) => JSON.stringify(s.Principal).includes(RECOVERY));
}

/** What the delivery role gets on the artifact store of the action's region, and nothing else. */
function expectStandbyRead(
  bucketJson: TemplateJson,
  keyJson: TemplateJson,
  region: string,
  bucketId: string,
) {
  const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': DELIVERY_ROLE } };
  expect(recoveryGrants(keyJson, 'AWS::KMS::Key')).toEqual([
    {
      Sid: 'StandbyDeliveryDecryptsInput',
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${RECOVERY}:root` },
      Resource: '*',
      Condition: { ...onlyTheRole, StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    },
  ]);
  expect(recoveryGrants(bucketJson, 'AWS::S3::BucketPolicy')).toEqual([
    {
      Sid: 'StandbyDeliveryReadsInput',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${RECOVERY}:root` },
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      Condition: onlyTheRole,
    },
  ]);
}

describe.each(PROFILES)(
  "the pipeline's artifact store in the recovery region of the %s estate",
  (profile) => {
    const stack = () => estate(profile).stack('Hello-Standby-us-east-2');

    it('CICD-8: the primary account holds an artifact bucket in the recovery region, on a key of its own whose ARN the pipeline reads', () => {
      expect([stack().account, stack().region]).toEqual([PRIMARY, 'us-east-2']);
      const [bucketId, bucket] = only(
        stack().json,
        'AWS::S3::Bucket',
        (b) => props(b).BucketName === `hello-release-artifacts-${PRIMARY}-us-east-2`,
      );
      const [keyId, key] = only(stack().json, 'AWS::KMS::Key');
      expect(props(key).EnableKeyRotation).toBe(true);
      expect(props(bucket)).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            expect.objectContaining({
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            }),
          ],
        },
        LoggingConfiguration: expect.objectContaining({ DestinationBucketName: expect.anything() }),
      });
      expect(props(only(stack().json, 'AWS::SSM::Parameter')[1])).toMatchObject({
        Name: '/hello/us-east-2/foundation/key-arn',
        Value: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      expect(resources(stack().json, 'AWS::EC2::VPC')).toEqual([]);
      expectStandbyRead(stack().json, stack().json, 'us-east-2', bucketId);
    });

    it('CICD-8: the store exists before the pipeline that replicates into it', () => {
      expect(estate(profile).stack('Hello-Pipeline-us-east-1').dependsOn).toContain(stack().name);
    });
  },
);

describe('a recovery region the pipeline already releases to', () => {
  it("CICD-8: the delivery role's read is granted on that region's release bucket and estate key", () => {
    const config = parseConfig({ recoveryRegion: 'eu-west-1' });
    const app = createEstateApp({ builtinValidation: false });
    const site = estateSites(config).find((s) => s.role === 'primary' && s.region === 'eu-west-1');
    if (site === undefined) throw new Error('no eu-west-1 site');
    const foundation = new FoundationStack(app, { config, site });
    const release = new ReleaseStack(app, {
      config,
      site,
      foundation,
      alarms: [],
      standbyReader: { account: RECOVERY, roleArn: DELIVERY_ROLE },
    });
    const assembly = app.synth();
    const json = (name: string) => assembly.getStackByName(name).template as TemplateJson;
    const [bucketId] = only(
      json(release.stackName),
      'AWS::S3::Bucket',
      (b) => props(b).BucketName === `hello-release-artifacts-${PRIMARY}-eu-west-1`,
    );
    expectStandbyRead(json(release.stackName), json(foundation.stackName), 'eu-west-1', bucketId);
  });
});
