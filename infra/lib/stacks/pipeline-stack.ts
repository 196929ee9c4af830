import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AwsRegion, Site } from '../../config/index.ts';
import { PipelineSource, sourceConnectionName } from '../constructs/delivery/pipeline-source.ts';
import { releaseNames, standbyNames } from '../constructs/delivery/release-names.ts';
import { ReleasePipeline } from '../constructs/delivery/release-pipeline.ts';
import { releasePlan } from '../constructs/delivery/release-plan.ts';
import { ServiceBuild } from '../constructs/delivery/service-build.ts';
import { beanstalkDockerNames } from '../constructs/engines/beanstalk/dockerrun.ts';
import { ecsNames } from '../constructs/engines/ecs/fargate-service.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';
import { foundationParameters } from './foundation-stack.ts';
import { imageRepositoryName } from './registry-stack.ts';

/**
 * The home region's delivery (CICD-1, CICD-2, CICD-3, CICD-10): the source, the build and the release
 * pipeline that takes every push to every engine in every region, wave by wave, and last into the
 * recovery account (CICD-8), whose Standby stack must exist first. It names everything in
 * other regions by deterministic names (application, group, environment, service, stack, bucket,
 * alarm), so no reference crosses a region; the Release stack of each region must exist first.
 */
export class PipelineStack extends EstateStack {
  readonly source: PipelineSource;
  readonly build: ServiceBuild;
  readonly release: ReleasePipeline;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Pipeline',
      description: 'release pipeline: source, build, then every engine in every region, wave by wave',
    });
    const { config, foundation, site } = props;
    const logRetention = this.profile.logRetentionDays as RetentionDays;
    const docker = config.beanstalk.docker?.enabled ? config.beanstalk.docker : undefined;
    this.source = new PipelineSource(this, 'Source', {
      source: config.source,
      connectionName: sourceConnectionName(config),
      key: foundation.key.key,
      accessLogs: foundation.accessLogs.bucket,
    });
    this.build = new ServiceBuild(this, 'Build', {
      repository: ecr.Repository.fromRepositoryName(this, 'Images', imageRepositoryName(config)),
      containerName: ecsNames(config).containerName,
      assetRegions: releasePlan(config)
        .flatMap((w) => w.targets)
        .filter((t) => t.engine === 'serverless')
        .map((t) => t.region),
      key: foundation.key.key,
      logRetention,
      artifactBucket: releaseNames(config, site).artifactBucket,
      ...(docker === undefined
        ? {}
        : {
            docker: {
              repositoryUri: `${this.account}.dkr.ecr.${docker.region}.${this.urlSuffix}/${imageRepositoryName(config)}`,
              logGroup: beanstalkDockerNames(config, docker.region).logGroup,
              region: docker.region,
            },
          }),
    });
    const regionOf = (region: AwsRegion): Site => ({ ...site, region });
    const standby = standbyNames(config);
    this.release = new ReleasePipeline(this, 'Release', {
      config,
      source: this.source,
      build: this.build,
      topic: foundation.alarms.topic,
      key: foundation.key.key,
      logRetention,
      regions: (region) => {
        const names = releaseNames(config, regionOf(region));
        return {
          artifactBucket: names.artifactBucket,
          watchAlarm: names.watchAlarm,
          keyArnParameter: foundationParameters(config, region).keyArn,
        };
      },
      ...(config.accounts.recovery === undefined
        ? {}
        : {
            standby: {
              account: config.accounts.recovery,
              region: config.recoveryRegion,
              bucketName: standby.bucket,
              roleName: standby.deliveryRole,
              pipelineRoleName: standby.pipelineRole,
              releasesPrefix: standby.releasesPrefix,
              latestPrefix: standby.latestPrefix,
            },
          }),
    });
  }
}
