import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Where the buildspec lives in the repository (every command in it is a script that runs locally too). */
export const BUILDSPEC_PATH = 'deploy/buildspec.yml';

/** Props of {@link ServiceBuild}. */
export interface ServiceBuildProps {
  /** `hello/service`, in the home region: the image is pushed there, tagged with the commit. */
  readonly repository: ecr.IRepository;
  /** The name of the image's container in the task definition (the image definitions name it). */
  readonly containerName: string;
  /** Regions whose serverless stack the pipeline deploys: the build publishes its assets there. */
  readonly assetRegions: readonly string[];
  /** The home region's estate key (the build's log group). */
  readonly key: kms.IKey;
  /** Retention of the build logs. */
  readonly logRetention: logs.RetentionDays;
  /** The home region's artifact bucket, by name. */
  readonly artifactBucket: string;
  /** With `beanstalk.docker` on: what the Dockerrun names (the region's replica, its log group, the region). @default none */
  readonly docker?: { readonly repositoryUri: string; readonly logGroup: string; readonly region: string };
}

/**
 * The build (CICD-1, ECS-1): on Arm, like every runtime of the estate, with the current standard image;
 * privileged only because it builds the container image. It runs deploy/buildspec.yml: npm ci, lint,
 * type-check, the tests with their reports, the bundles each engine deploys, the image pushed to
 * `hello/service` under the commit (tags are immutable), the image definitions, and the synthesized
 * estate whose serverless templates the pipeline deploys (their assets published by the build). An
 * active high or critical Inspector finding on the pushed image stops the build (GOV-4).
 */
export class ServiceBuild extends Construct {
  readonly project: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: ServiceBuildProps) {
    super(scope, id);
    const { account, partition } = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.key,
    });
    this.project = new codebuild.PipelineProject(this, 'Project', {
      description: 'Builds, tests and packages the service for every engine; pushes its image',
      buildSpec: codebuild.BuildSpec.fromSourceFilename(BUILDSPEC_PATH),
      environment: {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_4_0,
        computeType: codebuild.ComputeType.LARGE,
        privileged: true,
      },
      environmentVariables: {
        IMAGE_REPOSITORY_URI: { value: props.repository.repositoryUri },
        CONTAINER_NAME: { value: props.containerName },
        ASSET_REGIONS: { value: props.assetRegions.join(' ') },
        ...(props.docker === undefined
          ? {}
          : {
              DOCKER_IMAGE_REPOSITORY_URI: { value: props.docker.repositoryUri },
              DOCKER_LOG_GROUP: { value: props.docker.logGroup },
              DOCKER_REGION: { value: props.docker.region },
            }),
      },
      // The npm cache and Docker's layers stay on the build host between builds that land on it.
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM, codebuild.LocalCacheMode.DOCKER_LAYER),
      timeout: Duration.minutes(60),
      logging: { cloudWatch: { logGroup } },
    });
    props.repository.grantPullPush(this.project);
    // `cdk publish-assets` uploads the serverless stacks' code through the CDK bootstrap's publishing role.
    this.project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: props.assetRegions.map(
          (region) =>
            `arn:${partition}:iam::${account}:role/cdk-hnb659fds-file-publishing-role-${account}-${region}`,
        ),
      }),
    );
    // The image gate after the push (GOV-4) reads Inspector's scan of the image; neither action has a
    // resource type to scope to.
    this.project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['inspector2:ListCoverage', 'inspector2:ListFindings'],
        resources: ['*'],
      }),
    );
    const projectId = Stack.of(this).getLogicalId(this.project.node.defaultChild as codebuild.CfnProject);
    const { region } = Stack.of(this);
    Validations.of(this.project).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/<${projectId}>:*]`,
        reason: 'CodeBuild writes the streams of its own log group, named after the project (a CDK grant)',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:codebuild:${region}:${account}:report-group/<${projectId}>-*]`,
        reason:
          "The test reports go to report groups CodeBuild names after the project (the buildspec's reports)",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "ecr:GetAuthorizationToken (Docker login) and the image gate's inspector2:ListCoverage and ListFindings have no resource to scope to",
      },
      ...ARTIFACT_GRANT_FINDINGS.map((id) => ({
        id,
        reason:
          'Reads the source and writes the build artifacts in the pipeline artifact bucket (CDK grants)',
      })),
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:s3:::${props.artifactBucket}/*]`,
        reason:
          'The artifacts of every execution, under keys CodePipeline chooses, in the one artifact bucket',
      },
    );
  }
}

/** The wildcard actions of CDK's grants on a KMS-encrypted artifact bucket. */
export const ARTIFACT_GRANT_FINDINGS = [
  'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'AwsSolutions-IAM5[Action::s3:Abort*]',
  'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
  'AwsSolutions-IAM5[Action::s3:GetBucket*]',
  'AwsSolutions-IAM5[Action::s3:GetObject*]',
  'AwsSolutions-IAM5[Action::s3:List*]',
];
