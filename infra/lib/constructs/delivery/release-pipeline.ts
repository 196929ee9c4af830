import { ArnFormat, CfnCapabilities, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { type AwsRegion, type EstateConfig, stackName } from '../../../config/index.ts';
import { beanstalkNames } from '../engines/beanstalk/beanstalk-environment.ts';
import { beanstalkDockerNames } from '../engines/beanstalk/dockerrun.ts';
import { ec2EngineNames } from '../engines/ec2/ec2-service.ts';
import { ecsNames } from '../engines/ecs/fargate-service.ts';
import { lookUpAtDeployTime } from '../foundation/deploy-time-lookup.ts';
import { FleetBlueGreenStep } from './fleet-blue-green-step.ts';
import type { PipelineSource } from './pipeline-source.ts';
import { type ReleaseTarget, type ReleaseWave, releasePlan } from './release-plan.ts';
import { ARTIFACT_GRANT_FINDINGS, type ServiceBuild } from './service-build.ts';
import { throughS3 } from './through-s3.ts';
import { WaveVerification } from './wave-verification.ts';

/** What the build hands each deploy action: the artifact names its buildspec's secondary artifacts use. */
export const BUILD_ARTIFACTS = {
  /** The CodeDeploy revision of the EC2 engines, as a directory (appspec.yml at its root). */
  revision: 'Revision',
  /** The Elastic Beanstalk source bundle, as a directory (Procfile at its root). */
  beanstalk: 'BeanstalkBundle',
  /** `imagedefinitions.json`: the container's name and the pushed image. */
  images: 'ImageDefinitions',
  /** The synthesized estate (`cdk.out`): the serverless stacks' templates. */
  assembly: 'CloudAssembly',
  /** What the recovery account keeps of a release: the bundles as zips and `release.json`. */
  standby: 'StandbyRelease',
} as const;

/** The file of the image definitions artifact the ECS action reads. */
export const IMAGE_DEFINITIONS_FILE = 'imagedefinitions.json';

/** A region's release resources, by deterministic name (see ReleaseStack). */
export interface RegionRelease {
  /** The region's artifact bucket. */
  readonly artifactBucket: string;
  /** SSM parameter (in that region) holding the ARN of the key that encrypts the bucket. */
  readonly keyArnParameter: string;
  /** The region's release watch alarm. */
  readonly watchAlarm: string;
}

/** Where the Standby stage delivers each release (CICD-8), by deterministic names of the recovery account. */
export interface StandbyTarget {
  /** The recovery account. */
  readonly account: string;
  /** The recovery region, where the bucket is (the action runs there). */
  readonly region: AwsRegion;
  /** The bucket of released bundles. */
  readonly bucketName: string;
  /** The name of the role the action assumes there. */
  readonly roleName: string;
  /** The name the pipeline's own role gets: that role's trust names it. */
  readonly pipelineRoleName: string;
  /** The folder each release lands in, under its version (`releases/<version>/`). */
  readonly releasesPrefix: string;
  /** The folder the newest release is copied to once complete under its version. */
  readonly latestPrefix: string;
}

/** Props of {@link ReleasePipeline}. */
export interface ReleasePipelineProps {
  /** The validated topology (engines, regions, the pipeline section). */
  readonly config: EstateConfig;
  /** Where the code comes from. */
  readonly source: PipelineSource;
  /** The build. */
  readonly build: ServiceBuild;
  /** Each region's release resources, the home region's included. */
  readonly regions: (region: AwsRegion) => RegionRelease;
  /** The home region's alarm topic: failed and succeeded executions are reported there. */
  readonly topic: sns.ITopic;
  /** The home region's estate key (the wave checks' logs). */
  readonly key: kms.IKey;
  /** Retention of the wave checks' logs. */
  readonly logRetention: logs.RetentionDays;
  /** The recovery account's copy of every release: the last stage, when set. */
  readonly standby?: StandbyTarget;
}

/**
 * One CodePipeline (V2) that releases every push to every engine in every region (CICD-1, CICD-10):
 * source, build, then the waves of {@link releasePlan}, each engine through its own native action with
 * the strategy its config names (CodeDeploy in place for the EC2 engines, Beanstalk's deployment policy,
 * ECS's native blue/green, canary or linear, the serverless stack whose alias CodeDeploy shifts).
 *
 * Between waves the stage conditions watch (aws-facts §18): on success a CloudWatchAlarm rule waits the
 * bake time on each of the wave's regions' release watch and rolls the stage back if it fires; on
 * failure the stage rolls back to the last successful execution; with release hours, a DeploymentWindow
 * rule keeps a wave from starting outside them. Artifacts live in one bucket per region, encrypted with
 * that region's estate key (CICD-3); the keys are read from each region's SSM at deploy time, the only
 * way a name crosses regions in the estate.
 */
export class ReleasePipeline extends Construct {
  readonly pipeline: codepipeline.Pipeline;
  /** The waves, as built. */
  readonly waves: readonly ReleaseWave[];

  private readonly config: EstateConfig;

  constructor(scope: Construct, id: string, props: ReleasePipelineProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    this.waves = releasePlan(config);
    const regions = [
      ...new Set([
        config.homeRegion,
        ...this.waves.flatMap((w) => w.regions),
        ...(props.standby === undefined ? [] : [props.standby.region]),
      ]),
    ];
    const buckets = Object.fromEntries(regions.map((region) => [region, this.artifactBucket(region, props)]));
    const artifacts = {
      revision: new codepipeline.Artifact(BUILD_ARTIFACTS.revision),
      beanstalk: new codepipeline.Artifact(BUILD_ARTIFACTS.beanstalk),
      images: new codepipeline.Artifact(BUILD_ARTIFACTS.images),
      assembly: new codepipeline.Artifact(BUILD_ARTIFACTS.assembly),
      standby: new codepipeline.Artifact(BUILD_ARTIFACTS.standby),
    };
    const { pipeline: settings } = config;
    const docker = config.beanstalk.docker?.enabled ? config.beanstalk.docker : undefined;
    // Named, because the recovery account's trust names it: no token crosses accounts.
    const role =
      props.standby === undefined
        ? undefined
        : new iam.Role(this, 'PipelineRole', {
            roleName: props.standby.pipelineRoleName,
            assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
          });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: `${config.appName}-release`,
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: codepipeline.ExecutionMode[settings.executionMode],
      crossRegionReplicationBuckets: buckets,
      restartExecutionOnUpdate: false,
      ...(role === undefined ? {} : { role }),
    });
    this.pipeline.addStage({ stageName: 'Source', actions: [props.source.action] });
    props.source.bind(this.pipeline);
    const sourceVariables = props.source.action.variables as { commitId?: string; versionId?: string };
    const releaseId = sourceVariables.commitId ?? sourceVariables.versionId ?? '';
    const build = new actions.CodeBuildAction({
      actionName: 'Build',
      project: props.build.project,
      input: props.source.output,
      // Five: the most a CodeBuild action may have.
      outputs: Object.values(artifacts),
      environmentVariables: { RELEASE_ID: { value: releaseId } },
      // Its exported RELEASE_VERSION is what every wave's check expects the engines to serve.
      variablesNamespace: 'Build',
    });
    this.pipeline.addStage({ stageName: 'Build', actions: [build] });

    this.waves.forEach((wave, index) => {
      const stage = this.pipeline.addStage({
        stageName: wave.name,
        beforeEntry: this.entryConditions(wave),
        onSuccess: {
          conditions: [
            {
              result: codepipeline.Result.ROLLBACK,
              rules: wave.regions.map(
                (region) =>
                  new codepipeline.Rule({
                    name: `${wave.name}-Watch-${region}`,
                    provider: 'CloudWatchAlarm',
                    version: '1',
                    region,
                    configuration: {
                      AlarmName: props.regions(region).watchAlarm,
                      AlarmStates: ['ALARM'],
                      WaitTime: String(settings.bakeMinutes),
                    },
                  }),
              ),
            },
          ],
        },
        onFailure: { result: codepipeline.Result.ROLLBACK },
      });
      if (index === 1 && settings.approval) {
        stage.addAction(
          new actions.ManualApprovalAction({
            actionName: 'Approve',
            runOrder: 1,
            notificationTopic: props.topic,
            additionalInformation: 'The one box is released and baked: approve to release the rest',
          }),
        );
      }
      const deployOrder = index === 1 && settings.approval ? 2 : 1;
      for (const target of wave.targets) {
        // The fleet blue/green is a step of ours: no CodePipeline action launches green instances.
        stage.addAction(
          target.engine === 'fleet' && config.ec2.deployment.fleetRelease === 'BlueGreen'
            ? new FleetBlueGreenStep(this, 'FleetBlueGreen', {
                config,
                key: props.key,
                logRetention: props.logRetention,
                artifactBucket: props.regions(config.homeRegion).artifactBucket,
              }).action({
                source: props.source.output,
                revision: artifacts.revision,
                releaseId,
                runOrder: deployOrder,
              })
            : this.deployAction(target, artifacts, deployOrder),
        );
      }
      const check = new WaveVerification(this, `${wave.name}-Verify`, {
        config,
        wave,
        key: props.key,
        logRetention: props.logRetention,
        artifactBucket: props.regions(config.homeRegion).artifactBucket,
      });
      stage.addAction(
        new actions.CodeBuildAction({
          actionName: 'Verify',
          runOrder: deployOrder + 1,
          project: check.project,
          input: props.source.output,
          environmentVariables: {
            WAVE_TARGETS: { value: check.targets },
            PARAMETER_PREFIX: { value: check.parameterPrefix },
            RELEASE_ID: { value: releaseId },
            RELEASE_VERSION: { value: build.variable('RELEASE_VERSION') },
          },
        }),
      );
    });

    // The Docker environment's bundle is the image definitions artifact: Dockerrun.aws.json sits at its root.
    if (docker !== undefined) this.addDockerStage(docker.region, artifacts.images);

    if (props.standby !== undefined) this.addStandbyStage(props.standby, artifacts.standby, build);
    this.acknowledge(
      regions.map((region) => props.regions(region).artifactBucket),
      role,
    );
    this.pipeline.notifyOn('Executions', props.topic, {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
      ],
    });
  }

  private acknowledge(buckets: readonly string[], pipelineRole?: iam.IRole): void {
    const { account } = Stack.of(this);
    const grants =
      'CDK grants on the artifact buckets: each role reads (and the pipeline writes) artifacts under keys CodePipeline chooses';
    const artifactGrants = [
      ...ARTIFACT_GRANT_FINDINGS.map((id) => ({ id, reason: grants })),
      ...buckets.map((bucket) => ({
        id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${bucket}/*]`,
        reason: grants,
      })),
    ];
    // The named pipeline role lives beside the pipeline, not in it; it holds the same CDK grants.
    if (pipelineRole !== undefined) Validations.of(pipelineRole).acknowledge(...artifactGrants);
    Validations.of(this.pipeline).acknowledge(
      ...artifactGrants,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "The ECS action's rights (CDK's): it registers a new revision of the service's task definition, whose ARN does not exist before",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk]',
        reason:
          'The Beanstalk action updates an environment, which drives CloudFormation, Auto Scaling, EC2 and ELB for it: the policy AWS maintains for that, on the Beanstalk action only',
      },
      {
        id: 'AwsSolutions-IAM5[Action::cloudformation:DescribeStack*]',
        reason: 'CDK grant of the CloudFormation action on its one stack',
      },
      {
        id: 'AwsSolutions-IAM5[Action::cloudformation:GetTemplate*]',
        reason: 'CDK grant of the CloudFormation action on its one stack',
      },
      ...this.waves
        .flatMap((w) => w.targets)
        .filter((t) => t.engine === 'serverless')
        .map((t) => ({
          id: `AwsSolutions-IAM5[Resource::arn:aws:cloudformation:${t.region}:${account}:stack/${stackName(this.config, 'Serverless', { role: 'primary', region: t.region })}/*]`,
          reason:
            'The serverless stack of the region, whatever its stack id (CDK grant of the CloudFormation action)',
        })),
    );
  }

  /**
   * ECS-4: the image on the Beanstalk Docker environment, after every wave. It serves no user of `app`,
   * so it comes last: by then the image has been replicated and proven on ECS, and a failure here never
   * holds or rolls back a region users reach. It bakes under the environment's own health alarm and
   * rolls back like a wave.
   */
  private addDockerStage(region: AwsRegion, bundle: codepipeline.Artifact): void {
    const names = beanstalkDockerNames(this.config, region);
    const stageName = `BeanstalkDocker-${region}`;
    const stage = this.pipeline.addStage({
      stageName,
      beforeEntry: this.entryConditions({ name: stageName, regions: [region], targets: [] }),
      onSuccess: {
        conditions: [
          {
            result: codepipeline.Result.ROLLBACK,
            rules: [
              new codepipeline.Rule({
                name: `${stageName}-Watch`,
                provider: 'CloudWatchAlarm',
                version: '1',
                region,
                configuration: {
                  AlarmName: names.healthAlarm,
                  AlarmStates: ['ALARM'],
                  WaitTime: String(this.config.pipeline.bakeMinutes),
                },
              }),
            ],
          },
        ],
      },
      onFailure: { result: codepipeline.Result.ROLLBACK },
    });
    // As for the Node.js environment: every action takes a region, though the props type omits it.
    const deploy: actions.ElasticBeanstalkDeployActionProps & { region: string } = {
      actionName: stageName,
      input: bundle,
      applicationName: names.application,
      environmentName: names.environment,
      region,
    };
    stage.addAction(new actions.ElasticBeanstalkDeployAction(deploy));
  }

  /**
   * The last stage (CICD-8): the release, every wave done, lands in the recovery account, first under its
   * version and then as `latest/`, so `latest/` never holds a release only partly copied. The S3 deploy
   * action runs in the bucket's region with the recovery account's role; CodePipeline hands it its input
   * from this account's artifact bucket of that region, which that role may read (StandbyArtifactsStack).
   * The objects take the bucket's default encryption, the recovery account's key: an alias or key of
   * another account could not be named here.
   */
  private addStandbyStage(
    target: StandbyTarget,
    input: codepipeline.Artifact,
    build: actions.CodeBuildAction,
  ): void {
    const { partition } = Stack.of(this);
    const scope = new Construct(this, 'Standby');
    const bucket = s3.Bucket.fromBucketAttributes(scope, 'Bucket', {
      bucketName: target.bucketName,
      account: target.account,
      region: target.region,
    });
    const role = iam.Role.fromRoleArn(
      scope,
      'DeliveryRole',
      `arn:${partition}:iam::${target.account}:role/${target.roleName}`,
      { mutable: false },
    );
    const version = build.variable('RELEASE_VERSION');
    this.pipeline.addStage({
      stageName: 'Standby',
      actions: [
        new actions.S3DeployAction({
          actionName: 'Release',
          runOrder: 1,
          bucket,
          role,
          input,
          extract: true,
          objectKey: `${target.releasesPrefix}/${version}`,
        }),
        new actions.S3DeployAction({
          actionName: 'Latest',
          runOrder: 2,
          bucket,
          role,
          input,
          extract: true,
          objectKey: target.latestPrefix,
        }),
      ],
    });
  }

  /** A wave waits for the release hours, when the config sets them. */
  private entryConditions(wave: ReleaseWave): codepipeline.Conditions | undefined {
    const hours = this.config.pipeline.releaseHours;
    if (hours === undefined) return undefined;
    return {
      conditions: [
        {
          result: codepipeline.Result.FAIL,
          rules: [
            new codepipeline.Rule({
              name: `${wave.name}-ReleaseHours`,
              provider: 'DeploymentWindow',
              version: '1',
              configuration: { Cron: hours.cron, TimeZone: hours.timeZone },
            }),
          ],
        },
      ],
    };
  }

  /** The engine's own deploy action, in its region. */
  private deployAction(
    target: ReleaseTarget,
    artifacts: Record<keyof typeof BUILD_ARTIFACTS, codepipeline.Artifact>,
    runOrder: number,
  ): codepipeline.IAction {
    const { config } = this;
    const { engine, region } = target;
    const { account, partition } = Stack.of(this);
    const id = `${engine}-${region}`;
    const actionName = `${engine[0]?.toUpperCase()}${engine.slice(1)}-${region}`;
    switch (engine) {
      case 'fleet':
      case 'asg': {
        const names = ec2EngineNames(config, engine);
        const application = codedeploy.ServerApplication.fromServerApplicationArn(
          this,
          `${id}-Application`,
          Stack.of(this).formatArn({
            service: 'codedeploy',
            region,
            resource: 'application',
            resourceName: names.application,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        );
        const deploymentGroup = codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(
          this,
          `${id}-Group`,
          { application, deploymentGroupName: names.inPlaceGroup },
        );
        return new actions.CodeDeployServerDeployAction({
          actionName,
          runOrder,
          input: artifacts.revision,
          deploymentGroup,
        });
      }
      case 'beanstalk': {
        const names = beanstalkNames(config);
        // The action's props type has no region, but every action takes one (ActionProperties.region):
        // without it CodePipeline would look for the environment in the pipeline's region.
        const beanstalkProps: actions.ElasticBeanstalkDeployActionProps & { region: string } = {
          actionName,
          runOrder,
          input: artifacts.beanstalk,
          applicationName: names.application,
          environmentName: names.environment,
          region,
        };
        return new actions.ElasticBeanstalkDeployAction(beanstalkProps);
      }
      case 'ecs': {
        const names = ecsNames(config);
        const service = ecs.BaseService.fromServiceArnWithCluster(
          this,
          `${id}-Service`,
          `arn:${partition}:ecs:${region}:${account}:service/${names.cluster}/${names.service}`,
        );
        return new actions.EcsDeployAction({
          actionName,
          runOrder,
          service,
          imageFile: artifacts.images.atPath(IMAGE_DEFINITIONS_FILE),
          // A native blue/green deployment bakes before it reports success.
          deploymentTimeout: Duration.minutes(60),
        });
      }
      case 'serverless': {
        const name = stackName(config, 'Serverless', { role: 'primary', region });
        return new actions.CloudFormationCreateUpdateStackAction({
          actionName,
          runOrder,
          region,
          stackName: name,
          templatePath: artifacts.assembly.atPath(`${name}.template.json`),
          adminPermissions: false,
          // The role `cdk deploy` deploys with (CDK bootstrap): the same rights whichever way it goes.
          deploymentRole: iam.Role.fromRoleArn(
            this,
            `${id}-Deployment`,
            `arn:${partition}:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${region}`,
            { mutable: false },
          ),
          cfnCapabilities: [CfnCapabilities.NAMED_IAM, CfnCapabilities.AUTO_EXPAND],
        });
      }
    }
  }

  /** The region's artifact bucket, with the key read from the region's SSM when the stack deploys. */
  private artifactBucket(region: AwsRegion, props: ReleasePipelineProps): s3.IBucket {
    const release = props.regions(region);
    const { account, partition } = Stack.of(this);
    const scope = new Construct(this, `Artifacts-${region}`);
    const keyArn = lookUpAtDeployTime(new Construct(scope, 'KeyArn'), {
      resourceType: 'Custom::ArtifactKeyLookup',
      call: {
        service: 'SSM',
        action: 'getParameter',
        region,
        parameters: { Name: release.keyArnParameter },
        physicalResourceId: cr.PhysicalResourceId.of(`${region}${release.keyArnParameter}`),
      },
      outputPath: 'Parameter.Value',
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [`arn:${partition}:ssm:${region}:${account}:parameter${release.keyArnParameter}`],
        }),
      ]),
    });
    return s3.Bucket.fromBucketAttributes(scope, 'Bucket', {
      bucketName: release.artifactBucket,
      region,
      account,
      encryptionKey: throughS3(kms.Key.fromKeyArn(scope, 'Key', keyArn), region),
    });
  }
}
