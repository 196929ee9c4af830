import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { estate } from '../../support/estate.ts';

const FOUNDATIONS = estate('lab')
  .stacks.filter((s) => s.name.includes('Foundation'))
  .map((s) => s.name);

describe.each(FOUNDATIONS)('%s', (name) => {
  const stack = estate('lab').stack(name);
  const template = () => stack.template();

  it('spans three AZs from the config with public, private-with-egress and isolated subnets', () => {
    const subnets = Object.values(stack.json.Resources).filter((r) => r.Type === 'AWS::EC2::Subnet');
    const zones = new Set(subnets.map((s) => s.Properties?.AvailabilityZone));
    expect([...zones].sort()).toEqual(['a', 'b', 'c'].map((z) => `${stack.region}${z}`));
    const tiers = subnets.map(
      (s) =>
        ((s.Properties?.Tags ?? []) as { Key: string; Value: string }[]).find(
          (t) => t.Key === 'aws-cdk:subnet-type',
        )?.Value,
    );
    expect(tiers.sort()).toEqual([
      'Isolated',
      'Isolated',
      'Isolated',
      'Private',
      'Private',
      'Private',
      'Public',
      'Public',
      'Public',
    ]);
  });

  it('sends all VPC traffic to an encrypted flow-log group that expires', () => {
    template().hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template().hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^EstateKey'), 'Arn'] }),
      RetentionInDays: 30,
    });
  });

  it('reaches S3 and DynamoDB through gateway endpoints and SSM through interface endpoints', () => {
    const endpoints = Object.values(stack.json.Resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
    const services = endpoints.map((e) => JSON.stringify(e.Properties?.ServiceName));
    for (const service of ['s3', 'dynamodb', 'ssm', 'ssmmessages', 'ec2messages']) {
      expect(
        services.some((s) => s.includes(`.${service}"`) || s.endsWith(`.${service}"`)),
        service,
      ).toBe(true);
    }
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({ FromPort: 443, ToPort: 443, CidrIp: Match.stringLikeRegexp('^10\\.') }),
      ],
    });
  });

  it('has a customer-managed estate key that rotates, under the same alias in every region', () => {
    template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 365 });
    template().hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/hello/estate' });
  });

  it('has an access-log bucket on SSE-S3 (the only encryption log delivery accepts) that expires logs', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
    });
  });

  it('has an alarm topic encrypted with the estate key', () => {
    template().hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EstateKey'), 'Arn'] },
    });
  });

  it('publishes its key, VPC, topic and bucket under /hello/<region>/foundation/ for other regions', () => {
    const names = Object.values(stack.json.Resources)
      .filter((r) => r.Type === 'AWS::SSM::Parameter')
      .map((r) => r.Properties?.Name);
    const prefix = `/hello/${stack.region}/foundation/`;
    expect(names.sort()).toEqual(
      ['access-log-bucket', 'alarm-topic-arn', 'key-arn', 'vpc-id'].map((n) => prefix + n),
    );
  });
});

it('the recovery account gets the same foundation as the home region', () => {
  const types = (name: string) =>
    Object.values(estate('lab').stack(name).json.Resources)
      .map((r) => r.Type)
      .sort();
  expect(types('Hello-Recovery-Foundation-us-east-2')).toEqual(types('Hello-Foundation-us-east-1'));
});
