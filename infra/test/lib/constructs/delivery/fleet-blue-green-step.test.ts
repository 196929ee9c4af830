import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, estateSites, parseConfig } from '../../../../config/index.ts';
import { createEstateApp } from '../../../../lib/app.ts';
import { addCompliance } from '../../../../lib/aspects/compliance.ts';
import { fleetBlueGreenNames } from '../../../../lib/constructs/delivery/fleet-blue-green-step.ts';
import { BUILD_ARTIFACTS } from '../../../../lib/constructs/delivery/release-pipeline.ts';
import { FleetStack } from '../../../../lib/stacks/fleet-stack.ts';
import { FoundationStack } from '../../../../lib/stacks/foundation-stack.ts';
import { PipelineStack } from '../../../../lib/stacks/pipeline-stack.ts';
import { evaluate, type PolicyStatement } from '../../../support/policy-evaluator.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
interface Action {
  Name: string;
  ActionTypeId: { Provider: string };
  InputArtifacts?: { Name: string }[];
  Configuration?: Record<string, unknown>;
}

const ACCOUNT = '111111111111';
const blueGreen = parseConfig({ ec2: { deployment: { fleetRelease: 'BlueGreen' } } }, 'test');

/** The home foundation, the fleet and the pipeline of a config, synthesized together. */
function compose(config: EstateConfig) {
  const app = createEstateApp({ builtinValidation: false });
  // cdk-nag over the stacks: synthesis fails on a finding nobody acknowledged with a reason.
  addCompliance(app);
  const site = estateSites(config).find((s) => s.role === 'primary' && s.region === config.homeRegion);
  if (site === undefined) throw new Error('no home site');
  const foundation = new FoundationStack(app, { config, site });
  const fleet = new FleetStack(app, { config, site, foundation });
  const pipeline = new PipelineStack(app, { config, site, foundation });
  const assembly = app.synth();
  const resources = (stack: string, type: string) =>
    Object.entries(
      (assembly.getStackByName(stack).template as { Resources: Record<string, Resource> }).Resources,
    ).filter(([, r]) => r.Type === type);
  const [[, pipelineResource] = []] = resources(pipeline.stackName, 'AWS::CodePipeline::Pipeline');
  const stages = pipelineResource?.Properties.Stages as { Name: string; Actions: Action[] }[];
  return { fleet, pipeline, resources, stages };
}

const defined = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error('not in the template');
  return value;
};

/** `Fn::Join` of literals and the partition, as IAM would see the ARN. */
const flatten = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(flatten);
  if (value !== null && typeof value === 'object') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((p) => (typeof p === 'string' ? p : 'aws')).join(join[0]);
    if ((value as { Ref?: string }).Ref === 'AWS::Partition') return 'aws';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flatten(v)]));
  }
  return value;
};

const withBlueGreen = compose(blueGreen);
const names = fleetBlueGreenNames(blueGreen);
const oneBox = withBlueGreen.stages.find((s) => s.Name === 'OneBox-us-east-1');
const [projectId, project] = defined(
  withBlueGreen
    .resources(withBlueGreen.pipeline.stackName, 'AWS::CodeBuild::Project')
    .find(([id]) => id.startsWith('ReleaseFleetBlueGreen')),
);
const roleName = (project.Properties.ServiceRole as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
const statements = withBlueGreen
  .resources(withBlueGreen.pipeline.stackName, 'AWS::IAM::Policy')
  .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleName))
  .flatMap(
    ([, p]) =>
      flatten((p.Properties.PolicyDocument as { Statement: unknown[] }).Statement) as PolicyStatement[],
  );
const arn = (resource: string) => `arn:aws:ec2:us-east-1:${ACCOUNT}:${resource}`;

describe('the fleet blue/green step of the one box wave', () => {
  it('CICD-5: with fleetRelease BlueGreen the one box runs the blue/green command on the build revision, not the in-place action', () => {
    // The wave's deploy action, then the wave's own check (every wave ends with Verify).
    expect(oneBox?.Actions.map((a) => [a.Name, a.ActionTypeId.Provider])).toEqual([
      ['Fleet-BlueGreen-us-east-1', 'CodeBuild'],
      ['Verify', 'CodeBuild'],
    ]);
    const action = oneBox?.Actions[0];
    expect(action?.InputArtifacts?.map((a) => a.Name)).toEqual([
      expect.stringMatching(/Source/),
      BUILD_ARTIFACTS.revision,
    ]);
    // The repository (with the command) is the primary input; the revision lands beside it.
    expect(action?.Configuration?.PrimarySource).toBe(action?.InputArtifacts?.[0]?.Name);
    // The release id is the build's: the commit the revision was built from.
    const build = withBlueGreen.stages.find((st) => st.Name === 'Build')?.Actions[0];
    expect(JSON.parse(String(action?.Configuration?.EnvironmentVariables))).toEqual(
      JSON.parse(String(build?.Configuration?.EnvironmentVariables)),
    );
    // CodeBuild puts a secondary input at CODEBUILD_SRC_DIR_<artifact name>.
    const spec = JSON.parse(String((project.Properties.Source as { BuildSpec: string }).BuildSpec));
    expect(spec.phases.build.commands).toEqual([
      `npm run fleet:blue-green -- --yes --revision "$CODEBUILD_SRC_DIR_${BUILD_ARTIFACTS.revision}" --release "$RELEASE_ID"`,
    ]);
    const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
    expect(scripts['fleet:blue-green']).toBe('tsx cli/fleet-blue-green.ts');
    expect(project.Properties.TimeoutInMinutes).toBe(
      60 +
        blueGreen.ec2.deployment.blueGreen.readyWaitMinutes +
        blueGreen.ec2.deployment.blueGreen.terminationWaitMinutes,
    );
  });

  it('CICD-4: without it the one box stays the in-place CodeDeploy action and no step is built', () => {
    const inPlace = compose(DEFAULT_CONFIG);
    const box = inPlace.stages.find((s) => s.Name === 'OneBox-us-east-1');
    expect(box?.Actions.map((a) => [a.Name, a.ActionTypeId.Provider])).toEqual([
      [expect.not.stringMatching(/BlueGreen/), 'CodeDeploy'],
      ['Verify', 'CodeBuild'],
    ]);
    const projects = inPlace.resources(inPlace.pipeline.stackName, 'AWS::CodeBuild::Project');
    expect(projects.map(([id]) => id).filter((id) => id.includes('FleetBlueGreen'))).toEqual([]);
  });

  it("CICD-5: the names the step relies on are the fleet stack's: the launch template Name tag, the instance role generated in the fleet stack", () => {
    const { fleet, resources } = withBlueGreen;
    const [, template] = defined(resources(fleet.stackName, 'AWS::EC2::LaunchTemplate')[0]);
    const tags = (
      template.Properties.TagSpecifications as {
        ResourceType: string;
        Tags: { Key: string; Value: string }[];
      }[]
    ).find((t) => t.ResourceType === 'launch-template')?.Tags;
    expect(tags).toContainEqual({ Key: 'Name', Value: names.launchTemplateName });
    // No RoleName: CloudFormation names the role after the stack, which is what the step may pass.
    const profileRole = resources(fleet.stackName, 'AWS::IAM::InstanceProfile')[0]?.[1].Properties.Roles as {
      Ref: string;
    }[];
    const [, role] =
      resources(fleet.stackName, 'AWS::IAM::Role').find(([id]) => id === profileRole[0]?.Ref) ?? [];
    expect(role?.Properties.RoleName).toBeUndefined();
    expect(names.fleetStack).toBe(fleet.stackName);
    const [, group] = resources(fleet.stackName, 'Custom::CodeDeployBlueGreenGroup')[0] ?? [];
    const create = JSON.parse(String(flatten(group?.Properties.Create))) as {
      parameters: Record<string, unknown>;
    };
    expect(create.parameters).toMatchObject({
      deploymentGroupName: names.deploymentGroup,
      ec2TagFilters: [{ Key: names.tagKey, Value: names.tagValue, Type: 'KEY_AND_VALUE' }],
    });
  });

  it('CICD-5: the role launches only from the fleet template, only green instances, and deploys only through the blue/green group', () => {
    expect(projectId).toBeDefined();
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      evaluate(statements, { action, resource, context });
    const template = arn('launch-template/lt-0123');
    expect(can('ec2:RunInstances', template, { 'aws:ResourceTag/Name': names.launchTemplateName })).toBe(
      'allow',
    );
    expect(
      can('ec2:RunInstances', template, {
        'aws:ResourceTag/Name': 'Hello-Asg-us-east-1/Service/LaunchTemplate/Resource',
      }),
    ).toBe('implicit deny');
    expect(
      can('ec2:RunInstances', arn('instance/*'), { 'aws:RequestTag/hello:engine': 'fleet-green-abc' }),
    ).toBe('allow');
    expect(can('ec2:RunInstances', arn('instance/*'), { 'aws:RequestTag/hello:engine': 'fleet' })).toBe(
      'implicit deny',
    );
    // Terminate and retag: green instances only, never the blue fleet.
    for (const action of ['ec2:TerminateInstances', 'ec2:CreateTags']) {
      expect(can(action, arn('instance/i-1'), { 'aws:ResourceTag/hello:engine': 'fleet-green-abc' })).toBe(
        'allow',
      );
      expect(can(action, arn('instance/i-1'), { 'aws:ResourceTag/hello:engine': 'fleet' })).toBe(
        'implicit deny',
      );
    }
    const role = `arn:aws:iam::${ACCOUNT}:role/Hello-Fleet-us-east-1-ServiceInstanceRole-ABC`;
    expect(can('iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('allow');
    expect(can('iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      'implicit deny',
    );
    expect(
      can('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/Hello-Pipeline-us-east-1-X`, {
        'iam:PassedToService': 'ec2.amazonaws.com',
      }),
    ).toBe('implicit deny');
    const group = `arn:aws:codedeploy:us-east-1:${ACCOUNT}:deploymentgroup:Hello-fleet/Hello-fleet-blue-green`;
    for (const action of [
      'codedeploy:CreateDeployment',
      'codedeploy:GetDeployment',
      'codedeploy:StopDeployment',
    ]) {
      expect(can(action, group)).toBe('allow');
      expect(can(action, group.replace('blue-green', 'in-place'))).toBe('implicit deny');
    }
    const bucket = `arn:aws:s3:::hello-fleet-artifacts-${ACCOUNT}-us-east-1`;
    expect(can('s3:PutObject', `${bucket}/blue-green/abc.zip`)).toBe('allow');
    expect(can('s3:PutObject', `${bucket}/other.zip`)).toBe('implicit deny');
    expect(can('ssm:GetParameters', `arn:aws:ssm:us-east-1::parameter${blueGreen.ec2.amiParameter}`)).toBe(
      'allow',
    );
  });
});
