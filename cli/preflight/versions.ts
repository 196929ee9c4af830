// Row group 6: the Beanstalk platform branch and the Aurora PostgreSQL major version the estate asks for
// still have a version offered to new resources in each region that needs them (the deploy resolves that
// version itself; AWS retires versions for new resources, shared aws-facts §17).
import { ListPlatformVersionsCommand, type PlatformFilter } from '@aws-sdk/client-elastic-beanstalk';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { databaseRegions, type EstateConfig } from '../../infra/config/index.ts';
import { AURORA_MAJOR_VERSION } from '../../infra/lib/constructs/data/aurora-engine-version.ts';
import { DOCKER_PLATFORM_BRANCH } from '../../infra/lib/constructs/engines/beanstalk/dockerrun.ts';
import type { PreflightClients } from './clients.ts';
import { probe, type Row, row } from './report.ts';

const PLATFORM = 'Beanstalk platform';
const AURORA = 'Aurora PostgreSQL version';

/** The branch's recommended version, the one a new environment gets; a deprecated branch is a warning. */
async function checkPlatform(
  branch: string,
  region: string,
  clients: PreflightClients,
  fixes: { readonly missing: string; readonly deprecated: string } = {
    missing: `set beanstalk.platformBranch to a branch that aws elasticbeanstalk list-platform-branches --region ${region} lists as supported`,
    deprecated: 'move beanstalk.platformBranch to a supported branch before AWS retires this one',
  },
): Promise<Row[]> {
  const scope = `primary ${region}`;
  const filters: PlatformFilter[] = [
    { Type: 'PlatformBranchName', Operator: '=', Values: [branch] },
    { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
  ];
  const { PlatformSummaryList } = await clients
    .elasticBeanstalk('primary', region)
    .send(new ListPlatformVersionsCommand({ Filters: filters }));
  const found = (PlatformSummaryList ?? []).find((p) => p.PlatformStatus === 'Ready');
  if (found === undefined) {
    return [
      row(
        PLATFORM,
        scope,
        'BLOCKER',
        `no version of "${branch}" is offered for new environments`,
        fixes.missing,
      ),
    ];
  }
  const deprecated = found.PlatformBranchLifecycleState === 'deprecated';
  return [
    row(
      PLATFORM,
      scope,
      deprecated ? 'warn' : 'ok',
      `"${branch}" offers ${found.PlatformVersion}${deprecated ? ', but the branch is deprecated' : ''}`,
      deprecated ? fixes.deprecated : '',
    ),
  ];
}

/** The major version's default minor, the one a new cluster gets, must be available and, with secondaries, global. */
async function checkAurora(
  major: string,
  region: string,
  global: boolean,
  clients: PreflightClients,
): Promise<Row[]> {
  const scope = `primary ${region}`;
  const { DBEngineVersions } = await clients.rds('primary', region).send(
    new DescribeDBEngineVersionsCommand({
      Engine: 'aurora-postgresql',
      DBParameterGroupFamily: `aurora-postgresql${major}`,
      DefaultOnly: true,
    }),
  );
  const found = DBEngineVersions?.[0];
  const fix = `choose a major version that aws rds describe-db-engine-versions --engine aurora-postgresql --region ${region} offers${global ? ' with SupportsGlobalDatabases' : ''}`;
  if (found === undefined || (found.Status !== undefined && found.Status !== 'available')) {
    const status = found === undefined ? 'no version offered' : `${found.EngineVersion} ${found.Status}`;
    return [row(AURORA, scope, 'BLOCKER', `aurora-postgresql ${major}: ${status} for new clusters`, fix)];
  }
  if (global && found.SupportsGlobalDatabases !== true) {
    return [
      row(
        AURORA,
        scope,
        'BLOCKER',
        `aurora-postgresql ${found.EngineVersion} does not support a global database`,
        fix,
      ),
    ];
  }
  const globally = global ? ', global databases supported' : '';
  return [row(AURORA, scope, 'ok', `aurora-postgresql ${major} offers ${found.EngineVersion}${globally}`)];
}

/** The platform in each Beanstalk region (and the Docker environment's, ECS-4), the engine version in each database region. */
export async function checkVersions(config: EstateConfig, clients: PreflightClients): Promise<Row[]> {
  const beanstalk = config.engines.beanstalk.enabled ? config.engines.beanstalk.regions : [];
  const docker = config.beanstalk.docker?.enabled ? config.beanstalk.docker : undefined;
  const databases = databaseRegions(config);
  const global = databases.length > 1;
  const probes = [
    ...beanstalk.map((region) =>
      probe(
        {
          check: PLATFORM,
          scope: `primary ${region}`,
          permissions: ['elasticbeanstalk:ListPlatformVersions'],
        },
        () => checkPlatform(config.beanstalk.platformBranch, region, clients),
      ),
    ),
    ...(docker === undefined
      ? []
      : [
          probe(
            {
              check: PLATFORM,
              scope: `primary ${docker.region}`,
              permissions: ['elasticbeanstalk:ListPlatformVersions'],
            },
            () =>
              checkPlatform(DOCKER_PLATFORM_BRANCH, docker.region, clients, {
                missing:
                  'move beanstalk.docker.region to a region that offers it, or turn beanstalk.docker off',
                deprecated:
                  'AWS is retiring the ECS platform branch the Docker environment uses: plan its successor before then',
              }),
          ),
        ]),
    ...databases.map((region) =>
      probe(
        { check: AURORA, scope: `primary ${region}`, permissions: ['rds:DescribeDBEngineVersions'] },
        () => checkAurora(AURORA_MAJOR_VERSION, region, global, clients),
      ),
    ),
  ];
  return (await Promise.all(probes)).flat();
}
