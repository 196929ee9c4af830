import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { endpointParameter } from '../../../../deploy/release/verify-wave.ts';
import type { EstateConfig } from '../../../config/index.ts';
import { releasedImageParameter } from '../engines/ecs/released-image.ts';
import type { ReleaseWave } from './release-plan.ts';
import { ARTIFACT_GRANT_FINDINGS } from './service-build.ts';

/** The command the Verify action runs: the wave check of deploy/release, which runs on a laptop too. */
export const VERIFY_COMMAND = 'npx tsx deploy/release/verify-wave.ts';

/** Props of {@link WaveVerification}. */
export interface WaveVerificationProps {
  /** The validated config (application name, home region). */
  readonly config: EstateConfig;
  /** The wave it checks. */
  readonly wave: ReleaseWave;
  /** The home region's estate key (the check's log group). */
  readonly key: kms.IKey;
  /** Retention of the check's logs. */
  readonly logRetention: logs.RetentionDays;
  /** The home region's artifact bucket, by name (the check reads the source from it). */
  readonly artifactBucket: string;
}

/**
 * The last step of a wave (CICD-10, ECS-1): a small Arm build that runs {@link VERIFY_COMMAND} on the
 * source, so each engine the wave released is called on /health, / and /info through the endpoint it
 * publishes and must serve the release's version; then the ECS tag is recorded as the region's released
 * image. Its role reads the wave's endpoint parameters and writes the wave's released-image parameters,
 * nothing else.
 */
export class WaveVerification extends Construct {
  readonly project: codebuild.PipelineProject;
  /** `<engine>@<region>` of every target, as WAVE_TARGETS gives them to the script. */
  readonly targets: string;
  /** `/<app>`: the prefix of every parameter the script reads and writes. */
  readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: WaveVerificationProps) {
    super(scope, id);
    const { config, wave } = props;
    const { account, partition } = Stack.of(this);
    this.targets = wave.targets.map((t) => `${t.engine}@${t.region}`).join(' ');
    this.parameterPrefix = `/${config.appName.toLowerCase()}`;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.key,
    });
    this.project = new codebuild.PipelineProject(this, 'Project', {
      description: `Checks that every engine of ${wave.name} serves the release, then records the ECS image`,
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          install: { 'runtime-versions': { nodejs: 24 }, commands: ['npm ci'] },
          build: { commands: [VERIFY_COMMAND] },
        },
        cache: { paths: ['/root/.npm/**/*'] },
      }),
      environment: {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_4_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
      // Ten tries 15 s apart per engine (the smoke check's defaults), the engines in parallel.
      timeout: Duration.minutes(20),
      logging: { cloudWatch: { logGroup } },
    });
    const arn = (region: string, name: string) =>
      `arn:${partition}:ssm:${region}:${account}:parameter${name}`;
    this.project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: wave.targets.map((t) =>
          arn(t.region, endpointParameter(this.parameterPrefix, t.engine, t.region)),
        ),
      }),
    );
    const ecsRegions = wave.targets.filter((t) => t.engine === 'ecs').map((t) => t.region);
    if (ecsRegions.length > 0) {
      this.project.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter'],
          resources: ecsRegions.map((region) => arn(region, releasedImageParameter(config, region))),
        }),
      );
    }
    const projectId = Stack.of(this).getLogicalId(this.project.node.defaultChild as codebuild.CfnProject);
    const { region } = Stack.of(this);
    const grants =
      'Reads the source in the pipeline artifact bucket, under keys CodePipeline chooses (CDK grants)';
    Validations.of(this.project).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/<${projectId}>:*]`,
        reason: 'CodeBuild writes the streams of its own log group, named after the project (a CDK grant)',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:codebuild:${region}:${account}:report-group/<${projectId}>-*]`,
        reason: 'CodeBuild grants every project its own report groups, named after the project (a CDK grant)',
      },
      ...ARTIFACT_GRANT_FINDINGS.map((finding) => ({ id: finding, reason: grants })),
      { id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${props.artifactBucket}/*]`, reason: grants },
    );
  }
}
