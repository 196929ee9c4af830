import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type EstateConfig, estateKeyAlias, stackName } from '../../../config/index.ts';
import { ec2EngineNames } from '../engines/ec2/ec2-service.ts';
import { ARTIFACT_GRANT_FINDINGS } from './service-build.ts';

/**
 * What the fleet's blue/green release names, shared by the command (`npm run fleet:blue-green`) and the
 * pipeline step's role, so the role allows exactly what the command does.
 */
export function fleetBlueGreenNames(config: EstateConfig) {
  const region = config.homeRegion;
  const names = ec2EngineNames(config, 'fleet');
  const fleetStack = stackName(config, 'Fleet', { role: 'primary', region });
  const [tagKey, tagValue] = names.instanceTag;
  return {
    region,
    application: names.application,
    deploymentGroup: names.blueGreenGroup,
    fleetStack,
    /** CDK tags a launch template `Name: <construct path>`; the fleet's is the Ec2Service's. */
    launchTemplateName: `${fleetStack}/Service/LaunchTemplate/Resource`,
    /** The tag that makes an instance part of the fleet (the groups select by it). */
    tagKey,
    tagValue,
    /** Green instances carry `<tagKey>: <greenPrefix><release>` until the deployment succeeds. */
    greenPrefix: `${tagValue}-green-`,
    /** The tag naming the release an instance was launched for. */
    releaseTag: `${config.appName.toLowerCase()}:release`,
    /** The fleet's revisions bucket (the instance role reads revisions only there). */
    artifactBucket: (account: string) =>
      `${config.appName.toLowerCase()}-fleet-artifacts-${account}-${region}`,
    /** Where the command uploads a revision. */
    revisionPrefix: 'blue-green/',
  };
}

/** Props of {@link FleetBlueGreenStep}. */
export interface FleetBlueGreenStepProps {
  /** The validated topology (the fleet's names, the blue/green waits, the AMI parameter). */
  readonly config: EstateConfig;
  /** The home region's estate key: the build's log group. */
  readonly key: kms.IKey;
  /** Retention of the step's logs. */
  readonly logRetention: logs.RetentionDays;
  /** The pipeline's artifact bucket in the home region, by name (the step reads its inputs there). */
  readonly artifactBucket: string;
}

/**
 * The one-box release of the fleet by blue/green, without an operator (CICD-5): a CodeBuild project that
 * runs `npm run fleet:blue-green` on the repository at the released commit, with the build's revision as
 * a second input. The command launches green instances from the fleet's launch template, waits for
 * their status checks, creates the blue/green deployment naming them, waits for it and, on failure,
 * terminates them (cli/fleet-blue-green/run.ts).
 *
 * Its role may do that and nothing else: launch only from the fleet's launch template (selected by the
 * Name tag CDK gives it), pass only a role of the fleet stack to EC2, use the estate key only through
 * EC2 (encrypted volumes) and S3 (the revision), tag only at launch or instances of a release, terminate
 * only green instances not yet promoted, and deploy only through the fleet's blue/green group.
 */
export class FleetBlueGreenStep extends Construct {
  /** The project the action runs. */
  readonly project: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: FleetBlueGreenStepProps) {
    super(scope, id);
    const { config } = props;
    const names = fleetBlueGreenNames(config);
    const { account, partition } = Stack.of(this);
    const { region } = names;
    const { blueGreen } = config.ec2.deployment;
    const arn = (service: string, resource: string, owner = account) =>
      `arn:${partition}:${service}:${region}:${owner}:${resource}`;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.key,
    });
    this.project = new codebuild.PipelineProject(this, 'Project', {
      description: 'Releases the standalone fleet blue/green: green instances, deployment, rollback',
      environment: {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_4_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: {
          install: { 'runtime-versions': { nodejs: 24 }, commands: ['npm ci'] },
          build: {
            commands: [
              'npm run fleet:blue-green -- --yes --revision "$CODEBUILD_SRC_DIR_Revision" --release "$RELEASE_ID"',
            ],
          },
        },
      }),
      cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
      // Green instances boot, take the revision, take traffic; the blue ones live on for their wait.
      timeout: Duration.minutes(60 + blueGreen.readyWaitMinutes + blueGreen.terminationWaitMinutes),
      logging: { cloudWatch: { logGroup } },
    });

    const group = arn('codedeploy', `deploymentgroup:${names.application}/${names.deploymentGroup}`);
    const statements = [
      // Describe calls have no resource-level permissions.
      new iam.PolicyStatement({
        sid: 'Read',
        actions: [
          'ec2:DescribeLaunchTemplates',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'LaunchFromTheFleetTemplate',
        actions: ['ec2:RunInstances'],
        resources: [arn('ec2', 'launch-template/*')],
        conditions: { StringEquals: { 'aws:ResourceTag/Name': names.launchTemplateName } },
      }),
      new iam.PolicyStatement({
        sid: 'LaunchGreen',
        actions: ['ec2:RunInstances'],
        resources: [arn('ec2', 'instance/*')],
        conditions: {
          StringLike: { [`aws:RequestTag/${names.tagKey}`]: `${names.greenPrefix}*` },
        },
      }),
      new iam.PolicyStatement({
        sid: 'LaunchResources',
        actions: ['ec2:RunInstances'],
        resources: [
          arn('ec2', 'volume/*'),
          arn('ec2', 'network-interface/*'),
          arn('ec2', 'subnet/*'),
          arn('ec2', 'security-group/*'),
          arn('ec2', 'image/*', ''),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'TagAtLaunch',
        actions: ['ec2:CreateTags'],
        resources: [arn('ec2', 'instance/*'), arn('ec2', 'volume/*')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      }),
      new iam.PolicyStatement({
        sid: 'PromoteOrTerminateGreen',
        actions: ['ec2:CreateTags', 'ec2:TerminateInstances'],
        resources: [arn('ec2', 'instance/*')],
        conditions: {
          StringLike: { [`aws:ResourceTag/${names.tagKey}`]: `${names.greenPrefix}*` },
        },
      }),
      // The launch template resolves the AMI from SSM at launch, as the caller.
      new iam.PolicyStatement({
        sid: 'ResolveAmi',
        actions: ['ssm:GetParameters'],
        resources: [
          arn(
            'ssm',
            `parameter${config.ec2.amiParameter}`,
            config.ec2.amiParameter.startsWith('/aws/service/') ? '' : account,
          ),
        ],
      }),
      // CloudFormation names the instance role `<stack>-<logical id>-<suffix>`.
      new iam.PolicyStatement({
        sid: 'PassTheInstanceRole',
        actions: ['iam:PassRole'],
        resources: [`arn:${partition}:iam::${account}:role/${names.fleetStack}-*`],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
      // The root volumes are encrypted with the estate key (EC2 asks for a grant as the caller); the
      // revision is uploaded encrypted with it (through S3, in the fleet's bucket only).
      new iam.PolicyStatement({
        sid: 'EstateKeyThroughEc2',
        actions: [
          'kms:CreateGrant',
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        resources: [arn('kms', 'key/*')],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': estateKeyAlias(config) },
          StringEquals: { 'kms:ViaService': `ec2.${region}.amazonaws.com` },
        },
      }),
      new iam.PolicyStatement({
        sid: 'EstateKeyThroughS3',
        actions: ['kms:GenerateDataKey'],
        resources: [arn('kms', 'key/*')],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': estateKeyAlias(config) },
          StringEquals: {
            'kms:ViaService': `s3.${region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:${partition}:s3:::${names.artifactBucket(account)}`,
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'UploadRevision',
        actions: ['s3:PutObject'],
        resources: [`arn:${partition}:s3:::${names.artifactBucket(account)}/${names.revisionPrefix}*`],
      }),
      new iam.PolicyStatement({
        sid: 'Deploy',
        actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
        resources: [group],
      }),
      new iam.PolicyStatement({
        sid: 'Revision',
        actions: ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
        resources: [
          Stack.of(this).formatArn({
            service: 'codedeploy',
            region,
            resource: 'application',
            resourceName: names.application,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'DeploymentConfig',
        actions: ['codedeploy:GetDeploymentConfig'],
        resources: [arn('codedeploy', 'deploymentconfig:*')],
      }),
    ];
    for (const statement of statements) this.project.addToRolePolicy(statement);
    this.acknowledge(arn, names, props.artifactBucket);
  }

  /** The pipeline's action: the repository at the released commit, plus the build's revision. */
  action(props: {
    readonly source: codepipeline.Artifact;
    readonly revision: codepipeline.Artifact;
    readonly releaseId: string;
    readonly runOrder: number;
  }): actions.CodeBuildAction {
    return new actions.CodeBuildAction({
      actionName: `Fleet-BlueGreen-${Stack.of(this).region}`,
      runOrder: props.runOrder,
      project: this.project,
      input: props.source,
      extraInputs: [props.revision],
      environmentVariables: { RELEASE_ID: { value: props.releaseId } },
    });
  }

  private acknowledge(
    arn: (service: string, resource: string, owner?: string) => string,
    names: ReturnType<typeof fleetBlueGreenNames>,
    pipelineBucket: string,
  ): void {
    const { account, region } = Stack.of(this);
    const projectId = Stack.of(this).getLogicalId(this.project.node.defaultChild as codebuild.CfnProject);
    const finding = (resource: string, reason: string) => ({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason,
    });
    const launched = 'Instances, volumes and interfaces RunInstances creates have no id before the call';
    Validations.of(this.project).acknowledge(
      finding('*', 'EC2 Describe calls have no resource-level permissions'),
      finding(arn('ec2', 'launch-template/*'), 'Only the template tagged with the fleet template Name'),
      finding(arn('ec2', 'instance/*'), `${launched}; existing ones only when tagged green`),
      finding(arn('ec2', 'volume/*'), launched),
      finding(arn('ec2', 'network-interface/*'), launched),
      finding(arn('ec2', 'subnet/*'), 'The subnets of the blue fleet, read when the step runs'),
      finding(arn('ec2', 'security-group/*'), 'The security group the launch template names'),
      finding(arn('ec2', 'image/*', ''), 'The AMI the SSM parameter names at launch'),
      finding(arn('kms', 'key/*'), 'The estate key, selected by its alias and used only through EC2 or S3'),
      finding(
        `arn:aws:iam::${account}:role/${names.fleetStack}-*`,
        'The instance role, whose name CloudFormation generates in the fleet stack; passed to EC2 only',
      ),
      finding(
        `arn:aws:s3:::${names.artifactBucket(account)}/${names.revisionPrefix}*`,
        'Revisions uploaded under their release id',
      ),
      finding(arn('codedeploy', 'deploymentconfig:*'), 'Whichever configuration the group names'),
      finding(
        `arn:aws:logs:${region}:${account}:log-group:/aws/codebuild/<${projectId}>:*`,
        'CodeBuild writes the streams of its own log group, named after the project (a CDK grant)',
      ),
      finding(
        `arn:aws:codebuild:${region}:${account}:report-group/<${projectId}>-*`,
        'Report groups CodeBuild names after the project (a CDK grant; the step writes none)',
      ),
      finding(
        `arn:aws:s3:::${pipelineBucket}/*`,
        'The artifacts of every execution, under keys CodePipeline chooses, in the one artifact bucket',
      ),
      ...ARTIFACT_GRANT_FINDINGS.map((id) => ({
        id,
        reason: 'Reads the source and the revision from the pipeline artifact bucket (CDK grants)',
      })),
    );
  }
}
