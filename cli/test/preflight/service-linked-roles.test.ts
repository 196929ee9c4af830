import { GetRoleCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { checkServiceLinkedRoles, serviceLinkedRoles } from '../../preflight/service-linked-roles.ts';
import { awsError, fakeAws, PRIMARY, testConfig } from './support.ts';

const config = testConfig();
const role = (name: string) => ({
  Role: {
    RoleName: name,
    Path: '/aws-service-role/',
    RoleId: 'AROA',
    Arn: `arn:aws:iam::${PRIMARY}:role/${name}`,
    CreateDate: new Date(),
  },
});

describe('preflight: service-linked roles', () => {
  it('OPS-6: the roles follow the engines and features the config switches on', () => {
    const all = serviceLinkedRoles(config);
    expect(all.primary.map((r) => r.name)).toEqual([
      'AWSServiceRoleForAutoScaling',
      'AWSServiceRoleForElasticLoadBalancing',
      'AWSServiceRoleForECS',
      'AWSServiceRoleForApplicationAutoScaling_ECSService',
      'AWSServiceRoleForRDS',
      'AWSServiceRoleForElasticBeanstalk',
      'AWSServiceRoleForBackup',
    ]);
    expect(all.recovery.map((r) => r.name)).toEqual(['AWSServiceRoleForBackup']);
    const lean = serviceLinkedRoles(
      testConfig({
        engines: { ecs: { enabled: false }, beanstalk: { enabled: false } },
        features: { backup: false },
      }),
    );
    expect(lean.primary.map((r) => r.name)).not.toContain('AWSServiceRoleForECS');
    expect(lean.primary.map((r) => r.name)).not.toContain('AWSServiceRoleForElasticBeanstalk');
    expect(lean.recovery).toEqual([]);
  });

  it('OPS-6: a missing role is a warning whose fix is its create-service-linked-role command', async () => {
    const aws = fakeAws();
    aws
      .stub('iam', 'primary')
      .on(GetRoleCommand)
      .callsFake(({ RoleName }) => {
        if (RoleName === 'AWSServiceRoleForAutoScaling') {
          throw awsError('NoSuchEntityException', `The role with name ${RoleName} cannot be found.`);
        }
        return role(RoleName);
      });
    aws.stub('iam', 'recovery').on(GetRoleCommand).resolves(role('AWSServiceRoleForBackup'));
    const rows = await checkServiceLinkedRoles(config, aws.clients, { primary: 'prod' });
    const missing = rows.filter((r) => r.status !== 'ok');
    expect(missing).toEqual([
      {
        check: 'service-linked role',
        scope: `primary ${PRIMARY}`,
        status: 'warn',
        detail: 'AWSServiceRoleForAutoScaling is missing',
        fix: 'aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com --profile prod',
      },
    ]);
    expect(rows).toHaveLength(8);
  });
});
