import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  DatabaseCluster,
  type DatabaseClusterProps,
} from '../../../../lib/constructs/data/database-cluster.ts';

const env = { account: '111111111111', region: 'us-east-1' };

function fixture(overrides: Partial<DatabaseClusterProps> = {}) {
  const app = new App({ builtinCloudFormationValidation: false });
  const data = new Stack(app, 'Data', { env });
  const vpc = new ec2.Vpc(data, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const database = new DatabaseCluster(data, 'Database', {
    vpc,
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    key: new kms.Key(data, 'Key'),
    clusterIdentifier: 'hello-us-east-1',
    globalClusterIdentifier: 'hello-global',
    databaseName: 'hello',
    masterUsername: 'hello_admin',
    masterSecretName: 'hello/database/master',
    replicaRegions: [],
    minCapacity: 0.5,
    maxCapacity: 2,
    backupRetention: Duration.days(7),
    deletionProtection: true,
    logRetention: RetentionDays.ONE_MONTH,
    rotationDays: 30,
    ...overrides,
  });
  return { app, data, vpc, database };
}

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
