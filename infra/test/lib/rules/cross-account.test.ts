import { describe, expect, it } from 'vitest';
import { crossAccountAction } from '../../../lib/rules/cross-account.ts';
import type { AssemblyStack } from '../../../lib/rules/index.ts';
import { arn, assembly, PRIMARY, RECOVERY, ref, role, stack } from './fixtures.ts';

const DELIVERY = `arn:aws:iam::${RECOVERY}:role/Delivery`;
const PIPELINE_ROLE = `arn:aws:iam::${PRIMARY}:role/Pipeline`;
const BUCKET = 'artifacts-us-east-2';

/** The recovery account's role, trusted by the primary account narrowed to the pipeline's role. */
const deliveryStack = (trustedRole = PIPELINE_ROLE) =>
  stack(
    'Recovery-Standby',
    {
      Delivery: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'Delivery',
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Action: 'sts:AssumeRole',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
                Condition: { ArnEquals: { 'aws:PrincipalArn': trustedRole } },
              },
            ],
          },
        },
      },
    },
    { account: RECOVERY, region: 'us-east-2' },
  );

const grant = (action: string) => ({
  Action: action,
  Effect: 'Allow',
  Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${RECOVERY}:root`]] } },
  Resource: '*',
  Condition: { ArnEquals: { 'aws:PrincipalArn': DELIVERY } },
});

/** The pipeline account's artifact store in the action's region: bucket, key, their grants. */
const storeStack = (grants: { key?: boolean; bucket?: boolean } = {}) =>
  stack(
    'Standby',
    {
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [
              {
                Action: 'kms:*',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${PRIMARY}:root` },
                Resource: '*',
              },
              ...(grants.key === false ? [] : [grant('kms:Decrypt')]),
            ],
          },
        },
      },
      Bucket: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: BUCKET,
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn('Key') } },
            ],
          },
        },
      },
      BucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: ref('Bucket'),
          PolicyDocument: {
            Statement: grants.bucket === false ? [] : [grant('s3:GetObject*')],
          },
        },
      },
    },
    { region: 'us-east-2' },
  );

const pipelineStack = (options: { roleName?: string; dependsOn?: string[] } = {}): AssemblyStack =>
  stack(
    'Pipeline',
    {
      PipelineRole: role('codepipeline.amazonaws.com', {
        ...(options.roleName === undefined ? {} : { RoleName: options.roleName }),
      }),
      Pipeline: {
        Type: 'AWS::CodePipeline::Pipeline',
        Properties: {
          RoleArn: arn('PipelineRole'),
          ArtifactStores: [
            { Region: 'us-east-1', ArtifactStore: { Type: 'S3', Location: 'artifacts-us-east-1' } },
            { Region: 'us-east-2', ArtifactStore: { Type: 'S3', Location: BUCKET } },
          ],
          Stages: [
            {
              Name: 'Standby',
              Actions: [
                {
                  Name: 'Release',
                  ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Provider: 'S3', Version: '1' },
                  Region: 'us-east-2',
                  RoleArn: DELIVERY,
                },
              ],
            },
          ],
        },
      },
    },
    { dependsOn: options.dependsOn ?? ['Recovery-Standby', 'Standby'] },
  );

const check = (...stacks: AssemblyStack[]) => crossAccountAction.check(assembly(...stacks), {});

describe(crossAccountAction.id, () => {
  it("CICD-8: passes a delivery role that trusts the pipeline's named role and may read and decrypt its input", () => {
    expect(check(pipelineStack({ roleName: 'Pipeline' }), deliveryStack(), storeStack())).toEqual([]);
  });

  it('CICD-8: fails a trust that names another role, or a pipeline role whose name the other account cannot know', () => {
    const other = check(
      pipelineStack({ roleName: 'Pipeline' }),
      deliveryStack(`arn:aws:iam::${PRIMARY}:role/Other`),
      storeStack(),
    );
    expect(other.map((f) => f.message)).toEqual([
      expect.stringContaining("its trust does not admit the pipeline's role"),
    ]);
    const unnamed = check(pipelineStack(), deliveryStack(), storeStack());
    expect(unnamed.map((f) => f.message)).toEqual([
      expect.stringContaining("the pipeline's role has no RoleName"),
    ]);
  });

  it("CICD-8: fails an artifact key or bucket that does not let the action's role in", () => {
    const noKey = check(pipelineStack({ roleName: 'Pipeline' }), deliveryStack(), storeStack({ key: false }));
    expect(noKey.map((f) => f.message)).toEqual([
      expect.stringContaining('(Standby/Key) does not let it decrypt'),
    ]);
    const noBucket = check(
      pipelineStack({ roleName: 'Pipeline' }),
      deliveryStack(),
      storeStack({ bucket: false }),
    );
    expect(noBucket.map((f) => f.message)).toEqual([
      expect.stringContaining(`the artifact bucket ${BUCKET} does not let it get objects`),
    ]);
  });

  it('CICD-8: fails a role no stack of its account creates, or one deployed after the pipeline', () => {
    expect(check(pipelineStack({ roleName: 'Pipeline' }), storeStack()).map((f) => f.message)).toEqual([
      expect.stringContaining(`no stack of account ${RECOVERY} creates a role named Delivery`),
    ]);
    const late = check(
      pipelineStack({ roleName: 'Pipeline', dependsOn: ['Standby'] }),
      deliveryStack(),
      storeStack(),
    );
    expect(late.map((f) => f.message)).toEqual([
      expect.stringContaining('is not deployed before the pipeline'),
    ]);
  });
});
