import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, estateSites, parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { BUILD_ARTIFACTS } from '../../../lib/constructs/delivery/release-pipeline.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { PipelineStack } from '../../../lib/stacks/pipeline-stack.ts';
import { estate } from '../../support/estate.ts';

interface Action {
  Name: string;
  RoleArn?: string;
  InputArtifacts?: { Name: string }[];
  ActionTypeId: { Provider: string };
  OutputArtifacts?: { Name: string }[];
  Region?: string;
  RunOrder?: number;
  Configuration?: Record<string, unknown>;
}
interface Rule {
  Name: string;
  Region?: string;
  RuleTypeId: { Provider: string };
  Configuration: Record<string, unknown>;
}
interface Stage {
  Name: string;
  Actions: Action[];
  BeforeEntry?: { Conditions: { Result: string; Rules: Rule[] }[] };
  OnSuccess?: { Conditions: { Result: string; Rules: Rule[] }[] };
  OnFailure?: { Result: string };
}

/** The pipeline stack of a config, composed on its home foundation only (it names everything else). */
function pipelineOf(config: EstateConfig) {
  const app = createEstateApp({ builtinValidation: false });
  const site = estateSites(config).find((s) => s.role === 'primary' && s.region === config.homeRegion);
  if (site === undefined) throw new Error('no home site');
  const foundation = new FoundationStack(app, { config, site });
  const stack = new PipelineStack(app, { config, site, foundation });
  const json = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const resources = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);
  const [pipeline] = resources('AWS::CodePipeline::Pipeline');
  if (pipeline === undefined) throw new Error('no pipeline');
  return { json, resources, pipeline: pipeline.Properties, stages: pipeline.Properties.Stages as Stage[] };
}

const lab = pipelineOf(DEFAULT_CONFIG);

describe('Hello-Pipeline-us-east-1', () => {
  it('CICD-1: a V2 pipeline: source, build, then every engine of every region', () => {
    expect(lab.pipeline.PipelineType).toBe('V2');
    expect(lab.stages.map((s) => [s.Name, s.Actions.map((a) => a.ActionTypeId.Provider)])).toEqual([
      ['Source', ['CodeCommit']],
      ['Build', ['CodeBuild']],
      ['OneBox-us-east-1', ['CodeDeploy', 'CodeBuild']],
      ['Home-us-east-1', ['CodeDeploy', 'CodeBuild']],
      ['Wave1-eu-central-1', ['CodeDeploy', 'CodeBuild']],
      ['Wave2-eu-west-1', ['ElasticBeanstalk', 'CodeBuild']],
      ['Wave3-us-west-2', ['ECS', 'CodeBuild']],
      ['Wave4-ap-southeast-2', ['CloudFormation', 'CodeBuild']],
      ['Standby', ['S3', 'S3']],
    ]);
  });

  it('CICD-10: one box first (the fleet alone), then the home ASG, then one region per wave, each action in its region', () => {
    const deployed = lab.stages
      .slice(2, -1)
      .map((s) => s.Actions.filter((a) => a.Name !== 'Verify').map((a) => [a.Name, a.Region ?? 'us-east-1']));
    expect(deployed).toEqual([
      [['Fleet-us-east-1', 'us-east-1']],
      [['Asg-us-east-1', 'us-east-1']],
      [['Asg-eu-central-1', 'eu-central-1']],
      [['Beanstalk-eu-west-1', 'eu-west-1']],
      [['Ecs-us-west-2', 'us-west-2']],
      [['Serverless-ap-southeast-2', 'ap-southeast-2']],
    ]);
    expect(lab.stages[2]?.Actions[0]?.Configuration).toMatchObject({
      ApplicationName: 'Hello-fleet',
      DeploymentGroupName: 'Hello-fleet-in-place',
    });
    expect(lab.stages[6]?.Actions[0]?.Configuration).toMatchObject({
      ClusterName: 'hello',
      ServiceName: 'hello-service',
      FileName: 'imagedefinitions.json',
    });
    expect(lab.stages[7]?.Actions[0]?.Configuration).toMatchObject({
      StackName: 'Hello-Serverless-ap-southeast-2',
      TemplatePath: 'CloudAssembly::Hello-Serverless-ap-southeast-2.template.json',
    });
  });

  it("CICD-10: every wave bakes under its regions' release watch, rolls back when it fires and on failure", () => {
    for (const stage of lab.stages.slice(2, -1)) {
      const region = stage.Name.replace(/^[A-Za-z0-9]+-/, '');
      expect(stage.OnSuccess?.Conditions).toEqual([
        {
          Result: 'ROLLBACK',
          Rules: [
            expect.objectContaining({
              Region: region,
              RuleTypeId: expect.objectContaining({ Provider: 'CloudWatchAlarm' }),
              Configuration: {
                AlarmName: `Hello-release-watch-${region}`,
                AlarmStates: ['ALARM'],
                WaitTime: String(DEFAULT_CONFIG.pipeline.bakeMinutes),
              },
            }),
          ],
        },
      ]);
      expect(stage.OnFailure).toEqual({ Result: 'ROLLBACK' });
      expect(stage.BeforeEntry).toBeUndefined();
    }
  });

  it('CICD-10: configured waves group regions; release hours gate each wave; approval before the second wave', () => {
    const { stages, pipeline } = pipelineOf(
      parseConfig({
        pipeline: {
          waves: [
            ['eu-central-1', 'eu-west-1'],
            ['us-west-2', 'ap-southeast-2'],
          ],
          approval: true,
          executionMode: 'SUPERSEDED',
          releaseHours: { cron: 'cron(* 9-16 ? * MON-THU *)', timeZone: 'Europe/Paris' },
          bakeMinutes: 30,
        },
      }),
    );
    expect(pipeline.ExecutionMode).toBe('SUPERSEDED');
    expect(stages.map((s) => s.Name).slice(2)).toEqual([
      'OneBox-us-east-1',
      'Home-us-east-1',
      'Wave1-eu-central-1-eu-west-1',
      'Wave2-us-west-2-ap-southeast-2',
      'Standby',
    ]);
    const wave1 = stages[4];
    expect(wave1?.OnSuccess?.Conditions[0]?.Rules.map((r) => [r.Region, r.Configuration.WaitTime])).toEqual([
      ['eu-central-1', '30'],
      ['eu-west-1', '30'],
    ]);
    for (const stage of stages.slice(2, -1)) {
      expect(stage.BeforeEntry?.Conditions).toEqual([
        {
          Result: 'FAIL',
          Rules: [
            expect.objectContaining({
              RuleTypeId: expect.objectContaining({ Provider: 'DeploymentWindow' }),
              Configuration: { Cron: 'cron(* 9-16 ? * MON-THU *)', TimeZone: 'Europe/Paris' },
            }),
          ],
        },
      ]);
    }
    const home = stages[3];
    expect(home?.Actions.map((a) => [a.ActionTypeId.Provider, a.RunOrder])).toEqual([
      ['Manual', 1],
      ['CodeDeploy', 2],
      ['CodeBuild', 3],
    ]);
    expect(
      stages
        .slice(4, -1)
        .map((s) => s.Actions.find((a) => a.Name === 'Verify')?.Configuration?.EnvironmentVariables),
    ).toEqual([
      expect.stringContaining('asg@eu-central-1 beanstalk@eu-west-1'),
      expect.stringContaining('ecs@us-west-2 serverless@ap-southeast-2'),
    ]);
    expect(stages.filter((s) => s.Actions.some((a) => a.ActionTypeId.Provider === 'Manual'))).toHaveLength(1);
    expect(lab.stages.some((s) => s.Actions.some((a) => a.ActionTypeId.Provider === 'Manual'))).toBe(false);
  });

  it("CICD-3: every region's artifacts in its own bucket, encrypted with that region's estate key read from its SSM", () => {
    const stores = lab.pipeline.ArtifactStores as {
      Region: string;
      ArtifactStore: { Location: string; EncryptionKey: { Type: string; Id: { 'Fn::GetAtt': string[] } } };
    }[];
    expect(stores.map((s) => s.Region).sort()).toEqual([
      'ap-southeast-2',
      'eu-central-1',
      'eu-west-1',
      'us-east-1',
      'us-east-2',
      'us-west-2',
    ]);
    const lookups = lab.resources('Custom::ArtifactKeyLookup');
    for (const store of stores) {
      expect(store.ArtifactStore.Location).toBe(`hello-release-artifacts-111111111111-${store.Region}`);
      expect(store.ArtifactStore.EncryptionKey.Type).toBe('KMS');
      const [lookupId] = store.ArtifactStore.EncryptionKey.Id['Fn::GetAtt'];
      const lookup = lab.json.Resources[lookupId ?? '']?.Properties;
      const call = JSON.parse(JSON.stringify(lookup?.Create)) as string;
      expect(JSON.parse(typeof call === 'string' ? call : JSON.stringify(call))).toMatchObject({
        region: store.Region,
        parameters: { Name: `/hello/${store.Region}/foundation/key-arn` },
      });
    }
    expect(lookups).toHaveLength(6);
  });

  it('CICD-2: each source kind starts the pipeline on a change of the configured branch or object', () => {
    const cases: [EstateConfig['source'], string][] = [
      [{ kind: 'CodeCommit', repositoryName: 'hello-devops', branch: 'main' }, 'CodeCommit'],
      [
        { kind: 'CodeConnections', owner: 'me', repository: 'hello-devops', branch: 'release' },
        'CodeStarSourceConnection',
      ],
      [{ kind: 'S3', bucketName: 'hello-source-bucket', objectKey: 'source.zip' }, 'S3'],
    ];
    for (const [source, provider] of cases) {
      const { stages, pipeline, resources } = pipelineOf(parseConfig({ source }));
      const action = stages[0]?.Actions[0];
      expect(action?.ActionTypeId.Provider).toBe(provider);
      const rules = resources('AWS::Events::Rule').map((r) => r.Properties.EventPattern);
      if (source.kind === 'CodeCommit') {
        expect(rules).toContainEqual(
          expect.objectContaining({ detail: expect.objectContaining({ referenceName: ['main'] }) }),
        );
        expect(resources('AWS::CodeCommit::Repository')).toHaveLength(1);
      } else if (source.kind === 'CodeConnections') {
        expect(pipeline.Triggers).toEqual([
          {
            ProviderType: 'CodeStarSourceConnection',
            GitConfiguration: { SourceActionName: 'Source', Push: [{ Branches: { Includes: ['release'] } }] },
          },
        ]);
        expect(action?.Configuration).toMatchObject({
          FullRepositoryId: 'me/hello-devops',
          BranchName: 'release',
          DetectChanges: false,
        });
        expect(resources('AWS::CodeConnections::Connection')).toEqual([
          expect.objectContaining({ Properties: expect.objectContaining({ ProviderType: 'GitHub' }) }),
        ]);
      } else {
        expect(rules).toContainEqual({
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [expect.anything()] }, object: { key: ['source.zip'] } },
        });
        const bucket = resources('AWS::S3::Bucket').find(
          (b) => b.Properties.BucketName === 'hello-source-bucket',
        );
        expect(bucket?.Properties).toMatchObject({ VersioningConfiguration: { Status: 'Enabled' } });
        expect(resources('Custom::S3BucketNotifications')).toEqual([
          expect.objectContaining({
            Properties: expect.objectContaining({
              NotificationConfiguration: { EventBridgeConfiguration: {} },
            }),
          }),
        ]);
      }
    }
  });

  it("CICD-1, ECS-1: the build runs the repository's buildspec on Arm, privileged for the image, and pushes to hello/service", () => {
    const project = lab
      .resources('AWS::CodeBuild::Project')
      .find((p) => (p.Properties.Source as { BuildSpec: string }).BuildSpec === 'deploy/buildspec.yml');
    expect(project?.Properties).toMatchObject({
      Source: { Type: 'CODEPIPELINE', BuildSpec: 'deploy/buildspec.yml' },
      Environment: expect.objectContaining({
        Type: 'ARM_CONTAINER',
        Image: 'aws/codebuild/amazonlinux-aarch64-standard:4.0',
        PrivilegedMode: true,
      }),
    });
    const policies = JSON.stringify(lab.resources('AWS::IAM::Policy'));
    expect(policies).toContain('repository/hello/service');
    expect(policies).toContain('ecr:PutImage');
  });

  it('CICD-10, ECS-1: each wave ends with its Verify step: the wave check on the source, told the targets and the release', () => {
    const build = lab.stages[1]?.Actions[0] as Action & { Namespace?: string };
    expect(build.Namespace).toBe('Build');
    for (const stage of lab.stages.slice(2, -1)) {
      const verify = stage.Actions.find((a) => a.Name === 'Verify');
      const deploys = stage.Actions.filter((a) => a !== verify);
      expect(verify?.ActionTypeId.Provider).toBe('CodeBuild');
      // After every deploy action of the wave, in the pipeline's region.
      expect(verify?.RunOrder).toBeGreaterThan(Math.max(...deploys.map((a) => a.RunOrder ?? 1)));
      expect(verify?.Region).toBeUndefined();
      const env = JSON.parse(String(verify?.Configuration?.EnvironmentVariables)) as {
        name: string;
        value: string;
      }[];
      expect(Object.fromEntries(env.map((v) => [v.name, v.value]))).toEqual({
        WAVE_TARGETS: deploys.map((a) => a.Name.toLowerCase().replace('-', '@')).join(' '),
        PARAMETER_PREFIX: '/hello',
        RELEASE_ID: expect.stringMatching(/^#\{\w+\.CommitId\}$/),
        RELEASE_VERSION: '#{Build.RELEASE_VERSION}',
      });
    }
  });

  it("CICD-10, ECS-1: a Verify step reads only its wave's endpoint parameters and writes only its ECS released image", () => {
    const statementsOf = (stage: Stage | undefined) => {
      const verify = stage?.Actions.find((a) => a.Name === 'Verify');
      const { Ref: projectId } = (verify?.Configuration?.ProjectName ?? {}) as { Ref: string };
      const project = lab.json.Resources[projectId];
      expect(project?.Properties).toMatchObject({
        Source: {
          Type: 'CODEPIPELINE',
          BuildSpec: expect.stringContaining('npx tsx deploy/release/verify-wave.ts'),
        },
        Environment: expect.objectContaining({ Type: 'ARM_CONTAINER', PrivilegedMode: false }),
      });
      const [roleId] = (project?.Properties.ServiceRole as { 'Fn::GetAtt': string[] } | undefined)?.[
        'Fn::GetAtt'
      ] ?? [''];
      return lab
        .resources('AWS::IAM::Policy')
        .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
        .filter((s) => [s.Action].flat().some((a) => String(a).startsWith('ssm:')));
    };
    const arn = (region: string, name: string) => `arn:aws:ssm:${region}:111111111111:parameter${name}`;
    expect(statementsOf(lab.stages.find((s) => s.Name === 'Wave3-us-west-2'))).toEqual([
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: arn('us-west-2', '/hello/us-west-2/ecs/load-balancer-dns'),
      }),
      expect.objectContaining({
        Action: 'ssm:PutParameter',
        Resource: arn('us-west-2', '/hello/us-west-2/ecs/released-image'),
      }),
    ]);
    expect(statementsOf(lab.stages.find((s) => s.Name === 'Wave2-eu-west-1'))).toEqual([
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: arn('eu-west-1', '/hello/eu-west-1/beanstalk/endpoint'),
      }),
    ]);
    expect(statementsOf(lab.stages.find((s) => s.Name === 'Wave4-ap-southeast-2'))).toEqual([
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: arn('ap-southeast-2', '/hello/ap-southeast-2/serverless/api-endpoint'),
      }),
    ]);
  });

  it('CICD-3: every grant of the pipeline stack on a KMS key goes through S3 of its region, the S3 source included', () => {
    for (const config of [
      DEFAULT_CONFIG,
      parseConfig({ source: { kind: 'S3', bucketName: 'hello-src', objectKey: 'source.zip' } }),
    ]) {
      const statements = pipelineOf(config)
        .resources('AWS::IAM::Policy')
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
        .filter((s) => [s.Action].flat().some((a) => String(a).startsWith('kms:')));
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Condition).toEqual({
          StringEquals: { 'kms:ViaService': expect.stringMatching(/^s3\.[a-z0-9-]+\.amazonaws\.com$/) },
        });
      }
    }
  });

  it('CICD-1: failed and succeeded executions are reported to the alarm topic', () => {
    const [rule] = lab.resources('AWS::CodeStarNotifications::NotificationRule');
    expect(rule?.Properties.EventTypeIds).toEqual([
      'codepipeline-pipeline-pipeline-execution-failed',
      'codepipeline-pipeline-pipeline-execution-succeeded',
    ]);
  });
});

describe('Hello-Pipeline-us-east-1 with beanstalk.docker on (ECS-4)', () => {
  const docker = { enabled: true, region: 'eu-west-1', instanceType: 't4g.small' };
  const on = pipelineOf(parseConfig({ beanstalk: { docker } }));
  const outputs = (stages: Stage[]) =>
    stages.find((s) => s.Name === 'Build')?.Actions[0]?.OutputArtifacts?.map((a) => a.Name);
  // After every wave, before the release is handed to the recovery account.
  const stage = on.stages.at(-2);

  it('ECS-4: one more stage, after every wave, deploys the Docker bundle the build hands on (the image definitions, Dockerrun.aws.json at their root), in the environment region', () => {
    expect(on.stages.map((s) => s.Name)).toEqual([
      ...lab.stages.slice(0, -1).map((s) => s.Name),
      'BeanstalkDocker-eu-west-1',
      'Standby',
    ]);
    expect(stage?.Actions).toEqual([
      expect.objectContaining({
        ActionTypeId: expect.objectContaining({ Category: 'Deploy', Provider: 'ElasticBeanstalk' }),
        Region: 'eu-west-1',
        Configuration: { ApplicationName: 'Hello-beanstalk-docker', EnvironmentName: 'Hello-docker' },
        InputArtifacts: [{ Name: BUILD_ARTIFACTS.images }],
      }),
    ]);
    // A CodeBuild action has at most five outputs: the bundle adds none.
    expect(outputs(on.stages)).toEqual(outputs(lab.stages));
    expect(outputs(on.stages)?.length).toBeLessThanOrEqual(5);
  });

  it('ECS-4: off, the stage does not exist', () => {
    expect(lab.stages.map((s) => s.Name).filter((n) => n.includes('Docker'))).toEqual([]);
  });

  it("ECS-4: the stage bakes under the environment's health alarm in its region and rolls back on failure", () => {
    expect(stage?.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(stage?.OnSuccess?.Conditions).toEqual([
      {
        Result: 'ROLLBACK',
        Rules: [
          expect.objectContaining({
            Region: 'eu-west-1',
            RuleTypeId: expect.objectContaining({ Provider: 'CloudWatchAlarm' }),
            Configuration: {
              AlarmName: 'Hello-beanstalk-docker-health',
              AlarmStates: ['ALARM'],
              WaitTime: String(DEFAULT_CONFIG.pipeline.bakeMinutes),
            },
          }),
        ],
      },
    ]);
  });

  it('ECS-4: the build is told the replica, log group and region the Dockerrun names', () => {
    const [project = { Properties: {} as Record<string, unknown> }] = on
      .resources('AWS::CodeBuild::Project')
      .filter((p) => JSON.stringify(p.Properties).includes('IMAGE_REPOSITORY_URI'));
    const variables = (
      project.Properties.Environment as { EnvironmentVariables: { Name: string; Value: unknown }[] }
    ).EnvironmentVariables;
    const value = (name: string) => JSON.stringify(variables.find((v) => v.Name === name)?.Value);
    expect(value('DOCKER_IMAGE_REPOSITORY_URI')).toMatch(/\.dkr\.ecr\.eu-west-1\..*\/hello\/service/);
    expect(value('DOCKER_LOG_GROUP')).toBe('"/hello/beanstalk-docker"');
    expect(value('DOCKER_REGION')).toBe('"eu-west-1"');
  });
});
describe.each(['lab', 'production'] as const)(
  'the %s estate delivers each release into the recovery account',
  (profile) => {
    const stack = () => estate(profile).stack('Hello-Pipeline-us-east-1');
    const pipeline = () => {
      const [found] = Object.values(stack().json.Resources).filter(
        (r) => r.Type === 'AWS::CodePipeline::Pipeline',
      );
      return found?.Properties ?? {};
    };
    const stages = () => pipeline().Stages as Stage[];
    const DELIVERY_ROLE = 'arn:aws:iam::222222222222:role/Hello-Recovery-StandbyDelivery';

    it('CICD-8: the last stage, after every wave, copies the release under its version, then to latest/, in the recovery region as the recovery account', () => {
      const last = stages().at(-1) as Stage;
      expect(last.Name).toBe('Standby');
      expect(stages().at(-2)?.Name).toBe('Wave4-ap-southeast-2');
      expect(
        last.Actions.map((a) => [
          a.Name,
          a.ActionTypeId.Provider,
          a.Region,
          a.RoleArn,
          a.RunOrder,
          a.InputArtifacts,
        ]),
      ).toEqual([
        ['Release', 'S3', 'us-east-2', DELIVERY_ROLE, 1, [{ Name: 'StandbyRelease' }]],
        ['Latest', 'S3', 'us-east-2', DELIVERY_ROLE, 2, [{ Name: 'StandbyRelease' }]],
      ]);
      const bucket = 'hello-standby-releases-222222222222-us-east-2';
      expect(last.Actions.map((a) => a.Configuration)).toEqual([
        { BucketName: bucket, Extract: 'true', ObjectKey: 'releases/#{Build.RELEASE_VERSION}' },
        { BucketName: bucket, Extract: 'true', ObjectKey: 'latest' },
      ]);
      // The build hands the stage its input.
      const build = stages()[1]?.Actions[0] as Action & { OutputArtifacts: { Name: string }[] };
      expect(build.OutputArtifacts).toContainEqual({ Name: 'StandbyRelease' });
    });

    it('CICD-8: the pipeline role carries the name the recovery trust names, and may assume the delivery role', () => {
      const { 'Fn::GetAtt': [roleId] = [] } = pipeline().RoleArn as { 'Fn::GetAtt': string[] };
      expect(stack().json.Resources[roleId ?? '']?.Properties?.RoleName).toBe('Hello-release-pipeline');
      const assume = Object.values(stack().json.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .filter((p) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap(
          (p) =>
            (p.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)
              ?.Statement ?? [],
        )
        .filter((s) => s.Action === 'sts:AssumeRole');
      expect(assume.flatMap((s) => s.Resource)).toContainEqual(DELIVERY_ROLE);
    });

    it("CICD-8: the recovery region has an artifact store of the pipeline's account, its key read from that region's SSM", () => {
      const stores = pipeline().ArtifactStores as { Region: string; ArtifactStore: { Location: string } }[];
      expect(stores.find((s) => s.Region === 'us-east-2')?.ArtifactStore.Location).toBe(
        'hello-release-artifacts-111111111111-us-east-2',
      );
      const lookups = Object.values(stack().json.Resources)
        .filter((r) => r.Type === 'Custom::ArtifactKeyLookup')
        .map((r) => JSON.stringify(r.Properties?.Create));
      expect(lookups.some((c) => c.includes('/hello/us-east-2/foundation/key-arn'))).toBe(true);
    });
  },
);
