import { ListPlatformVersionsCommand } from '@aws-sdk/client-elastic-beanstalk';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { checkVersions } from '../../preflight/versions.ts';
import { type FakeAws, fakeAws, testConfig } from './support.ts';

const BRANCH = 'Node.js 24 running on 64bit Amazon Linux 2023';
const config = testConfig();

/** Beanstalk offers the branch's recommended version; RDS's default 16 minor is available and global. */
function offered(): FakeAws {
  const aws = fakeAws();
  aws
    .stub('elasticBeanstalk', 'primary')
    .on(ListPlatformVersionsCommand, {
      Filters: [
        { Type: 'PlatformBranchName', Operator: '=', Values: [BRANCH] },
        { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
      ],
    })
    .resolves({
      PlatformSummaryList: [
        {
          PlatformArn:
            'arn:aws:elasticbeanstalk:eu-west-1::platform/Node.js 24 running on 64bit Amazon Linux 2023/6.11.0',
          PlatformStatus: 'Ready',
          PlatformVersion: '6.11.0',
          PlatformBranchLifecycleState: 'supported',
        },
      ],
    });
  aws
    .stub('rds', 'primary')
    .on(DescribeDBEngineVersionsCommand, {
      Engine: 'aurora-postgresql',
      DBParameterGroupFamily: 'aurora-postgresql16',
      DefaultOnly: true,
    })
    .resolves({
      DBEngineVersions: [
        {
          Engine: 'aurora-postgresql',
          EngineVersion: '16.9',
          Status: 'available',
          SupportsGlobalDatabases: true,
        },
      ],
    });
  return aws;
}

const lines = (rows: { check: string; scope: string; status: string }[]) =>
  rows.map((r) => `${r.check} ${r.scope} ${r.status}`);

describe('preflight: versions offered', () => {
  it('OPS-6: the platform branch and the Aurora major version offered in every region that needs them pass', async () => {
    // Defaults: Beanstalk in eu-west-1; the database in us-east-1 with a secondary in eu-central-1.
    expect(lines(await checkVersions(config, offered().clients))).toEqual([
      'Beanstalk platform primary eu-west-1 ok',
      'Aurora PostgreSQL version primary us-east-1 ok',
      'Aurora PostgreSQL version primary eu-central-1 ok',
    ]);
  });

  it('OPS-6: a platform branch with no version offered is a blocker', async () => {
    const aws = offered();
    aws
      .stub('elasticBeanstalk', 'primary')
      .on(ListPlatformVersionsCommand)
      .resolves({ PlatformSummaryList: [] });
    const [row] = await checkVersions(config, aws.clients);
    expect(row).toMatchObject({ status: 'BLOCKER', detail: expect.stringContaining(BRANCH) });
  });

  it('OPS-6: an Aurora version not offered for new clusters in one region is a blocker there only', async () => {
    const aws = offered();
    aws
      .stub('rds', 'primary', 'eu-central-1')
      .on(DescribeDBEngineVersionsCommand)
      .resolves({ DBEngineVersions: [] });
    expect(lines(await checkVersions(config, aws.clients))).toContain(
      'Aurora PostgreSQL version primary eu-central-1 BLOCKER',
    );
    expect(lines(await checkVersions(config, aws.clients))).toContain(
      'Aurora PostgreSQL version primary us-east-1 ok',
    );
  });

  it('OPS-6: a version without global database support is a blocker when the database has secondaries', async () => {
    const aws = offered();
    aws
      .stub('rds', 'primary')
      .on(DescribeDBEngineVersionsCommand)
      .resolves({
        DBEngineVersions: [{ EngineVersion: '16.9', Status: 'available', SupportsGlobalDatabases: false }],
      });
    const rows = await checkVersions(config, aws.clients);
    expect(rows.filter((r) => r.status === 'BLOCKER').map((r) => r.scope)).toEqual([
      'primary us-east-1',
      'primary eu-central-1',
    ]);
    const single = await checkVersions(testConfig({ database: { secondaryRegions: [] } }), aws.clients);
    expect(single.filter((r) => r.check.startsWith('Aurora')).map((r) => r.status)).toEqual(['ok']);
  });

  it('ECS-4, OPS-6: with beanstalk.docker on, the ECS platform branch is checked in the Docker region, a blocker naming the option when it is not offered', async () => {
    const docker = testConfig({
      beanstalk: { docker: { enabled: true, region: 'us-west-2', instanceType: 't4g.small' } },
    });
    const aws = offered();
    const ecsBranch = {
      Filters: [
        { Type: 'PlatformBranchName', Operator: '=', Values: ['ECS running on 64bit Amazon Linux 2023'] },
        { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
      ],
    };
    const stub = aws.stub('elasticBeanstalk', 'primary', 'us-west-2');
    stub.on(ListPlatformVersionsCommand, ecsBranch).resolves({
      PlatformSummaryList: [{ PlatformStatus: 'Ready', PlatformVersion: '4.5.0' }],
    });
    expect(lines(await checkVersions(docker, aws.clients))).toEqual([
      'Beanstalk platform primary eu-west-1 ok',
      'Beanstalk platform primary us-west-2 ok',
      'Aurora PostgreSQL version primary us-east-1 ok',
      'Aurora PostgreSQL version primary eu-central-1 ok',
    ]);
    stub.on(ListPlatformVersionsCommand, ecsBranch).resolves({ PlatformSummaryList: [] });
    const found = (await checkVersions(docker, aws.clients)).find((r) => r.scope === 'primary us-west-2');
    expect(found).toMatchObject({
      status: 'BLOCKER',
      detail: 'no version of "ECS running on 64bit Amazon Linux 2023" is offered for new environments',
      fix: 'move beanstalk.docker.region to a region that offers it, or turn beanstalk.docker off',
    });
  });
});
