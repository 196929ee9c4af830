import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** Who reads the Standby action's input: the recovery account's delivery role, by name. */
export interface StandbyReader {
  /** The recovery account. */
  readonly account: string;
  /** The ARN of the role the Standby action assumes there. */
  readonly roleArn: string;
}

/**
 * The pipeline account's half of the cross-account read (CICD-8): CodePipeline hands the Standby action
 * its input in the artifact bucket of the action's region, and the action's role, in the recovery
 * account, reads it there. Another account's principal needs the bucket's policy and the key's policy
 * as well as its own; both name the account with an `aws:PrincipalArn` condition rather than the role,
 * so they are valid whether or not that role exists yet (aws-facts §17), and the key only through S3.
 */
export function allowStandbyRead(
  bucket: s3.IBucket,
  key: kms.IKey,
  reader: StandbyReader,
  region: string,
): void {
  const principal = new iam.AccountPrincipal(reader.account);
  const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': reader.roleArn } };
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'StandbyDeliveryReadsInput',
      principals: [principal],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [bucket.arnForObjects('*')],
      conditions: onlyTheRole,
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'StandbyDeliveryDecryptsInput',
      principals: [principal],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { ...onlyTheRole, StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    }),
  );
}
