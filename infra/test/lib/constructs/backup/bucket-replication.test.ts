import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { createEstateApp } from '../../../../lib/app.ts';
import { BucketReplication } from '../../../../lib/constructs/backup/bucket-replication.ts';

const DESTINATION = {
  account: '222222222222',
  region: 'us-east-2',
  bucketName: 'replica-222222222222-us-east-2',
  keyAlias: 'alias/hello/estate',
};

/** Two data buckets of one stack replicated by one construct. */
function twoSources(replicationTimeControl?: boolean) {
  const stack = new Stack(createEstateApp({ builtinValidation: false }), 'Source', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  const key = new kms.Key(stack, 'Key');
  const replication = new BucketReplication(stack, 'Replication', {
    roleName: 'replication-role',
    destination: DESTINATION,
    replicationTimeControl,
  });
  for (const name of ['data-a', 'data-b']) {
    new s3.Bucket(stack, name, {
      bucketName: name,
      versioned: true,
      encryptionKey: key,
      ...replication.sourceProps(name, key, `${name}/`),
    });
  }
  return Template.fromStack(stack);
}

describe('BucketReplication', () => {
  it('DATA-7: replicates every bucket it is given through one named role, each under its own prefix', () => {
    const template = twoSources();
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'replication-role' });
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    for (const name of ['data-a', 'data-b']) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: name,
        // S3 replicates as the named role, and only by an enabled rule.
        ReplicationConfiguration: {
          Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              Priority: 1,
              Filter: { Prefix: `${name}/` },
              Destination: Match.objectLike({
                Account: DESTINATION.account,
                Bucket: `arn:aws:s3:::${DESTINATION.bucketName}`,
              }),
            }),
          ],
        },
      });
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::data-a', 'arn:aws:s3:::data-b'],
          },
        ]),
      },
    });
  });

  it('DATA-7: replication time control and its metrics only when asked for (a paid extra)', () => {
    const destinations = (template: Template) =>
      Object.values(template.findResources('AWS::S3::Bucket')).map(
        (b) => b.Properties.ReplicationConfiguration.Rules[0].Destination,
      );
    for (const destination of destinations(twoSources())) {
      expect(destination.ReplicationTime).toBeUndefined();
      expect(destination.Metrics).toBeUndefined();
    }
    for (const destination of destinations(twoSources(true))) {
      expect(destination.ReplicationTime).toEqual({ Status: 'Enabled', Time: { Minutes: 15 } });
      expect(destination.Metrics).toEqual({ Status: 'Enabled', EventThreshold: { Minutes: 15 } });
    }
  });
});
