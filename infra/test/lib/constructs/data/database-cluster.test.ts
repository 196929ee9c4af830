import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { env, fixture } from './fixtures.ts';

describe('DatabaseCluster', () => {
  it('DATA-1: refuses a writer and a reader in the same AZ (that would not be Multi-AZ)', () => {
    expect(() => fixture({ availabilityZones: ['us-east-1a', 'us-east-1a'] })).toThrow(/two different AZs/);
  });

  it('turns IAM database authentication on when asked', () => {
    const { data } = fixture({ iamAuthentication: true });
    Template.fromStack(data).hasResourceProperties('AWS::RDS::DBCluster', {
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
    });
  });

  it('puts the rules for a peer in the peer stack, so the data stack never waits for an engine', () => {
    const { app, vpc, database, data } = fixture();
    const engine = new Stack(app, 'Engine', { env });
    const group = new ec2.SecurityGroup(engine, 'Instances', { vpc, allowAllOutbound: false });
    database.allowFrom(group, 'engine to PostgreSQL');
    const engineTemplate = Template.fromStack(engine);
    engineTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    engineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      Description: 'engine to PostgreSQL',
    });
    engineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: 5432, ToPort: 5432 });
    expect(data.dependencies).toEqual([]);
    expect(engine.dependencies).toContain(data);
  });
});
