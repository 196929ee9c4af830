import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatabaseAppUser } from '../../../../lib/constructs/data/database-app-user.ts';
import { fixture } from './fixtures.ts';

function synthesize(): Template {
  const { data, vpc, key, database } = fixture({ deletionProtection: false });
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
