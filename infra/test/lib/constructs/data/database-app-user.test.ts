import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatabaseAppUser } from '../../../../lib/constructs/data/database-app-user.ts';
import { DatabaseCluster } from '../../../../lib/constructs/data/database-cluster.ts';

const env = { account: '111111111111', region: 'us-east-1' };

function synthesize(): Template {
  const app = new App({ builtinCloudFormationValidation: false });
  const data = new Stack(app, 'Data', { env });
  const vpc = new ec2.Vpc(data, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
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
    deletionProtection: false,
    logRetention: RetentionDays.ONE_MONTH,
    rotationDays: 30,
  });
  new DatabaseAppUser(data, 'AppUser', {
    database,
    vpc,
    key,
    databaseName: 'hello',
    username: 'hello_app',
    secretName: 'hello/database/app',
    replicaRegions: [],
    retainOnDelete: false,
    rotationDays: 30,
    logRetention: RetentionDays.ONE_MONTH,
  });
  return Template.fromStack(data);
}

describe('DatabaseAppUser', () => {
  let template: Template;
  beforeAll(() => {
    template = synthesize();
  });

  it('DATA-2: the app-user resource is deleted before the rules that let its function reach the cluster', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: {
        GroupDescription: 'database-app-user function: HTTPS to AWS APIs, PostgreSQL to the cluster',
      },
    });
    const [functionGroup] = Object.keys(groups);
    expect(functionGroup).toBeDefined();
    const ingress = Object.entries(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter(([, rule]) => rule.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === functionGroup)
      .map(([id]) => id);
    const egress = Object.entries(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .filter(([, rule]) => rule.Properties.GroupId?.['Fn::GetAtt']?.[0] === functionGroup)
      .filter(([, rule]) => rule.Properties.FromPort === 5432)
      .map(([id]) => id);
    expect(ingress).toHaveLength(1);
    expect(egress).toHaveLength(1);
    const [resource] = Object.values(template.findResources('Custom::DatabaseAppUser'));
    expect(resource?.DependsOn).toEqual(expect.arrayContaining([...ingress, ...egress]));
  });
});
