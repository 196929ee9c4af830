import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  type EstateConfig,
  estateSites,
  parseConfig,
  type Site,
} from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
import {
  DOCKER_CONTAINER,
  DOCKER_PLATFORM_BRANCH,
} from '../../../lib/constructs/engines/beanstalk/dockerrun.ts';
import { checkAssembly, formatFinding } from '../../../lib/rules/index.ts';
import { BeanstalkDockerStack } from '../../../lib/stacks/beanstalk-docker-stack.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { RegistryStack, registryDestinations } from '../../../lib/stacks/registry-stack.ts';
import { estate, type TemplateJson } from '../../support/estate.ts';
import { flatten, only, props, resources } from './ec2-template.ts';

const REGION = 'eu-west-1';
const docker = { enabled: true, region: REGION, instanceType: 't4g.small' };
const dockerConfig = (profile: 'lab' | 'production') => parseConfig({ profile, beanstalk: { docker } });

/**
 * The Docker stack on its region's foundation, with the estate's policies (tags, guardrails, cdk-nag as a
 * validation plugin: synthesis throws on a finding) and the home registry it pulls from.
 */
function compose(config: EstateConfig) {
  const app = createEstateApp({ builtinValidation: false });
  applyPolicies(app, config);
  const site = (region: string): Site => {
    const found = estateSites(config).find((s) => s.role === 'primary' && s.region === region);
    if (found === undefined) throw new Error(`no site ${region}`);
    return found;
  };
  const home = site(config.homeRegion);
  const homeFoundation = new FoundationStack(app, { config, site: home });
  const foundation = new FoundationStack(app, { config, site: site(REGION) });
  const registry = new RegistryStack(app, {
    config,
    site: home,
    foundation: homeFoundation,
    destinations: registryDestinations(config) ?? [],
  });
  const stack = new BeanstalkDockerStack(app, { config, site: site(REGION), foundation });
  const assembly = app.synth();
  const stacks = assembly.stacks.map((s) => ({
    name: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    dependsOn: s.dependencies.map((d) => d.id),
    json: s.template as TemplateJson,
  }));
  const json = assembly.getStackByName(stack.stackName).template as TemplateJson;
  return { stacks, json, registry: assembly.getStackByName(registry.stackName).template as TemplateJson };
}

const composed = { lab: compose(dockerConfig('lab')), production: compose(dockerConfig('production')) };
const lab = composed.lab.json;
const [, environment] = only(lab, 'AWS::ElasticBeanstalk::Environment');
const options = (
  props(environment).OptionSettings as { Namespace: string; OptionName: string; Value: unknown }[]
).map((o) => ({ key: `${o.Namespace}/${o.OptionName}`, value: flatten(o.Value) }));
const option = (namespace: string, name: string) =>
  options.find((o) => o.key === `${namespace}/${name}`)?.value;

describe(`Hello-BeanstalkDocker-${REGION}`, () => {
  it("ECS-4: the environment runs the recommended version of Beanstalk's ECS platform branch on Amazon Linux 2023, looked up at deploy time", () => {
    const [platformId, platform] = only(lab, 'Custom::BeanstalkPlatform');
    const call = JSON.parse(String(props(platform).Create)) as { parameters: { Filters: unknown[] } };
    expect(call.parameters.Filters).toEqual([
      { Type: 'PlatformBranchName', Operator: '=', Values: [DOCKER_PLATFORM_BRANCH] },
      { Type: 'PlatformLifecycleState', Operator: '=', Values: ['recommended'] },
    ]);
    expect(DOCKER_PLATFORM_BRANCH).toBe('ECS running on 64bit Amazon Linux 2023');
    expect(props(environment).PlatformArn).toEqual({
      'Fn::GetAtt': [platformId, 'PlatformSummaryList.0.PlatformArn'],
    });
    expect(props(environment).SolutionStackName).toBeUndefined();
  });

  it('ECS-4: its template names no application version: only the pipeline deploys the image, so cdk deploy never takes a release back', () => {
    expect(props(environment).VersionLabel).toBeUndefined();
    expect(resources(lab, 'AWS::ElasticBeanstalk::ApplicationVersion')).toEqual([]);
  });

  it('ECS-4: the instances are Graviton (the image is arm64) and their role pulls hello/service from the region replica only', () => {
    expect(option('aws:autoscaling:launchconfiguration', 'InstanceType')).toBe('t4g.small');
    const [roleId, role] = only(lab, 'AWS::IAM::Role', (r) =>
      JSON.stringify(props(r).AssumeRolePolicyDocument).includes('ec2.amazonaws.com'),
    );
    const statements = resources(lab, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(props(p).Roles).includes(roleId))
      .flatMap(
        ([, p]) =>
          (props(p).PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      );
    const pull = statements.find((s) => JSON.stringify(s.Action).includes('ecr:BatchGetImage'));
    expect(pull?.Action).toEqual(
      expect.arrayContaining([
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
      ]),
    );
    expect(flatten(pull?.Resource)).toBe(`arn:aws:ecr:${REGION}:111111111111:repository/hello/service`);
    expect(JSON.stringify(props(role).ManagedPolicyArns)).toContain(
      ':iam::aws:policy/AWSElasticBeanstalkMulticontainerDocker',
    );
  });

  it('ECS-4: the home registry replicates every image into the environment region when the option is on, even without ECS', () => {
    const [, replication] = only(composed.lab.registry, 'AWS::ECR::ReplicationConfiguration');
    expect(JSON.stringify(props(replication))).toContain(
      `{"Region":"${REGION}","RegistryId":"111111111111"}`,
    );
    expect(registryDestinations(DEFAULT_CONFIG)).toEqual([
      { region: 'us-west-2', account: '111111111111' },
      { region: 'us-east-2', account: '222222222222' },
    ]);
    const withoutEcs = parseConfig({
      engines: { ecs: { enabled: false } },
      beanstalk: { docker },
      pipeline: { waves: [['eu-central-1'], ['eu-west-1'], ['ap-southeast-2']] },
    });
    expect(registryDestinations(withoutEcs)).toEqual([
      { region: REGION, account: '111111111111' },
      { region: 'us-east-2', account: '222222222222' },
    ]);
  });

  it('ECS-4, SEC-1: HTTPS only (port 80 closed), the balancer calls the container port 80 maps to on /health', () => {
    expect(option('aws:elbv2:listener:default', 'ListenerEnabled')).toBe('false');
    expect(option('aws:elbv2:listener:443', 'Protocol')).toBe('HTTPS');
    expect(option('aws:elbv2:listener:443', 'SSLCertificateArns')).toMatch(/Certificate/);
    expect(option('aws:elasticbeanstalk:environment:process:default', 'Port')).toBe(
      String(DOCKER_CONTAINER.hostPort),
    );
    expect(option('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/health');
  });

  it.each(['lab', 'production'] as const)(
    'ECS-4, SEC-3: with the option on in %s, the stack passes cdk-nag (synthesis) and every deploy-time rule',
    (profile) => {
      const { stacks } = composed[profile];
      expect(stacks.map((s) => s.name)).toContain(`Hello-BeanstalkDocker-${REGION}`);
      expect(checkAssembly({ stacks }).map(formatFinding)).toEqual([]);
    },
  );
});

describe.each(['lab', 'production'] as const)('beanstalk.docker off (the default %s estate)', (profile) => {
  it('ECS-4: no Docker stack, stage or build variables in the pipeline', () => {
    const { stacks } = estate(profile);
    expect(stacks.map((s) => s.name).filter((n) => n.includes('Docker'))).toEqual([]);
    const pipeline = JSON.stringify(estate(profile).stack('Hello-Pipeline-us-east-1').json);
    expect(pipeline).not.toContain('BeanstalkDocker');
    expect(pipeline).not.toMatch(/"DOCKER_(IMAGE_REPOSITORY_URI|LOG_GROUP|REGION)"/);
  });
});
