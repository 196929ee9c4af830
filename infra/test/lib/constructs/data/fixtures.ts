import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DatabaseCluster,
  type DatabaseClusterProps,
} from '../../../../lib/constructs/data/database-cluster.ts';

export const env = { account: '111111111111', region: 'us-east-1' };

/** A home-region data stack with a VPC, a key and the cluster, its props overridable. */
export function fixture(overrides: Partial<DatabaseClusterProps> = {}) {
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
  const key = new kms.Key(data, 'Key');
  const database = new DatabaseCluster(data, 'Database', {
    vpc,
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    key,
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
  return { app, data, vpc, key, database };
}
