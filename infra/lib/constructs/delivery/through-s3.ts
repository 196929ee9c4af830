import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * The key with every grant limited to S3 in its region (`kms:ViaService`): the estate key also protects
 * the region's secrets and parameters, and no role may decrypt with it outside an AWS service (DATA-2).
 * CodePipeline and its actions touch artifacts only through S3 (SSE-KMS), so that is all they get; the
 * grants CDK makes for the pipeline, the build and each action go through these methods.
 */
export function throughS3(key: kms.IKey, region: string): kms.IKey {
  const grant = (grantee: iam.IGrantable, ...grantActions: string[]) =>
    iam.Grant.addToPrincipal({
      grantee,
      actions: grantActions,
      resourceArns: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    });
  const encrypt = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
  return Object.assign(key, {
    grant,
    grantDecrypt: (grantee: iam.IGrantable) => grant(grantee, 'kms:Decrypt'),
    grantEncrypt: (grantee: iam.IGrantable) => grant(grantee, ...encrypt),
    grantEncryptDecrypt: (grantee: iam.IGrantable) => grant(grantee, 'kms:Decrypt', ...encrypt),
  });
}
