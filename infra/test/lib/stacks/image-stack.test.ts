import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../config/index.ts';
import { imageComponents } from '../../../lib/constructs/images/component-document.ts';
import { estate } from '../../support/estate.ts';
import { flatten, launchTemplateData, only, props, resources, target } from './ec2-template.ts';

const HOME = DEFAULT_CONFIG.homeRegion;
const RECOVERY_REGION = DEFAULT_CONFIG.recoveryRegion;
const { primary: PRIMARY, recovery: RECOVERY } = DEFAULT_CONFIG.accounts;
/** Any template value as text, references and stack outputs included. */
const text = (value: unknown) => JSON.stringify(value);

describe.each(['lab', 'production'] as const)(`Hello-Image-${HOME} (%s)`, (profile) => {
  const stack = estate(profile).stack(`Hello-Image-${HOME}`);
  const json = stack.json;
  const [, pipeline] = only(json, 'AWS::ImageBuilder::ImagePipeline');
  const [, recipe] = only(json, 'AWS::ImageBuilder::ImageRecipe');
  const [, distribution] = only(json, 'AWS::ImageBuilder::DistributionConfiguration');

  it('AMI-1: bakes weekly at the configured cron in the estate time zone, when the base image or a component has a new version', () => {
    expect(props(pipeline).Schedule).toEqual({
      ScheduleExpression: 'cron(0 4 ? * sun *)',
      Timezone: DEFAULT_CONFIG.scheduling.timeZone,
      PipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
      AutoDisablePolicy: { FailureCount: 3 },
    });
    expect(props(pipeline).Status).toBe('ENABLED');
  });

  it('AMI-1: the recipe starts from the newest Amazon Linux 2023 by name and takes every component at its newest version, tests last', () => {
    expect(flatten(props(recipe).ParentImage)).toMatch(
      /:imagebuilder:us-east-1:aws:image\/amazon-linux-2023-x86\/x\.x\.x$/,
    );
    const arns = (props(recipe).Components as { ComponentArn: unknown }[]).map((c) =>
      flatten(c.ComponentArn),
    );
    expect(arns.map((a) => a.replace(/^.*:component\//, ''))).toEqual(
      imageComponents().map((c) => `hello-${c.name.replace(/^hello-/, '')}/x.x.x`),
    );
    const components = resources(json, 'AWS::ImageBuilder::Component').map(([, c]) => props(c));
    expect(components.map((c) => [c.Name, c.Version])).toEqual(
      imageComponents().map((c) => [c.name, c.version]),
    );
    expect(components.every((c) => c.Platform === 'Linux')).toBe(true);
  });

  it('AMI-1: the image is encrypted with the estate key and tested: the test component reads the bundle through its parameter', () => {
    const [device] = props(recipe).BlockDeviceMappings as { Ebs: Record<string, unknown> }[];
    expect(device?.Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
    expect(text(device?.Ebs.KmsKeyId)).toMatch(/EstateKey/);
    const test = (props(recipe).Components as { Parameters?: unknown }[]).at(-1);
    const [region, bundle] = (test?.Parameters ?? []) as { Name: string; Value: unknown[] }[];
    expect(region).toEqual({ Name: 'Region', Value: [HOME] });
    expect(bundle?.Name).toBe('BundleParameter');
    const parameter = json.Resources[target(bundle?.Value[0]) ?? ''];
    expect(props(parameter).Name).toBe(`/hello/${HOME}/ami/test-bundle`);
    expect(flatten(props(parameter).Value)).toMatch(
      /^s3:\/\/cdk-[a-z0-9]+-assets-111111111111-us-east-1\/[0-9a-f]{64}\.mjs$/,
    );
    expect(props(pipeline).ImageTestsConfiguration).toMatchObject({ ImageTestsEnabled: true });
  });

  it('AMI-1: Inspector scans the output AMI and a fixable finding above the threshold fails it', () => {
    expect(props(pipeline).ImageScanningConfiguration).toEqual({
      ImageScanningEnabled: true,
      ImageScanningTypes: ['ON_DEMAND_AMI_CVE'],
      ScanResultCondition: { MaximumSeverityLabel: 'HIGH', FixAvailable: true },
    });
  });

  it('AMI-1: builds in a private subnet with no inbound rule, IMDSv2 only, reporting to the alarm topic', () => {
    const [, infra] = only(json, 'AWS::ImageBuilder::InfrastructureConfiguration');
    expect(props(infra)).toMatchObject({
      InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      TerminateInstanceOnFailure: true,
    });
    expect(text(props(infra).SubnetId)).toMatch(/PrivateSubnet1/);
    expect(text(props(infra).SnsTopicArn)).toMatch(/AlarmTopic|Alarms/);
    const [, group] = only(json, 'AWS::EC2::SecurityGroup');
    expect(props(group).SecurityGroupIngress).toBeUndefined();
  });

  it('AMI-2: a copy in every EC2 engine region and one owned by the recovery account in its region, each on that region’s estate key, with that region’s latest parameter', () => {
    const copies = props(distribution).Distributions as {
      Region: string;
      AmiDistributionConfiguration: Record<string, unknown>;
      SsmParameterConfigurations: Record<string, unknown>[];
    }[];
    expect(copies.map((c) => c.Region)).toEqual([HOME, 'eu-central-1', RECOVERY_REGION]);
    const [home, other, recovery] = copies;
    expect(text(home?.AmiDistributionConfiguration.KmsKeyId)).toMatch(/EstateKey/);
    expect(other?.AmiDistributionConfiguration.KmsKeyId).toBe(
      `arn:aws:kms:eu-central-1:${PRIMARY}:alias/hello/estate`,
    );
    expect(recovery?.AmiDistributionConfiguration).toMatchObject({
      TargetAccountIds: [RECOVERY],
      KmsKeyId: `arn:aws:kms:${RECOVERY_REGION}:${RECOVERY}:alias/hello/estate`,
    });
    expect(copies.map((c) => c.SsmParameterConfigurations)).toEqual([
      [{ ParameterName: `/hello/${HOME}/ami/latest`, DataType: 'aws:ec2:image' }],
      [{ ParameterName: '/hello/eu-central-1/ami/latest', DataType: 'aws:ec2:image' }],
      [
        {
          ParameterName: `/hello/${RECOVERY_REGION}/ami/latest`,
          DataType: 'aws:ec2:image',
          AmiAccountId: RECOVERY,
        },
      ],
    ]);
  });

  it('AMI-2: the primary account’s images may be launched by the recovery account, whose key use is limited to EC2 in the home region', () => {
    const copies = props(distribution).Distributions as {
      AmiDistributionConfiguration: Record<string, unknown>;
    }[];
    for (const copy of copies.slice(0, 2)) {
      expect(copy.AmiDistributionConfiguration.LaunchPermissionConfiguration).toEqual({
        UserIds: [RECOVERY],
      });
    }
    const foundation = estate(profile).stack(`Hello-Foundation-${HOME}`).json;
    const [, key] = only(foundation, 'AWS::KMS::Key');
    const statements = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const read = statements.find((s) => s.Sid === `GoldenImageReadBy${RECOVERY}`);
    expect(read).toMatchObject({
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:ReEncryptFrom'],
      Condition: {
        StringEquals: { 'kms:CallerAccount': RECOVERY, 'kms:ViaService': `ec2.${HOME}.amazonaws.com` },
      },
    });
    expect(text(read?.Principal)).toContain(`:iam::${RECOVERY}:root`);
    expect(statements.find((s) => s.Sid === `GoldenImageGrantBy${RECOVERY}`)).toMatchObject({
      Action: 'kms:CreateGrant',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    });
  });

  it('AMI-2: the copies name other stacks’ keys by alias, so this stack deploys after those foundations and the recovery account’s role', () => {
    expect(stack.dependsOn).toEqual(
      expect.arrayContaining(['Hello-Foundation-eu-central-1', `Hello-Recovery-Image-${RECOVERY_REGION}`]),
    );
  });

  it('AMI-1: the lifecycle policy keeps the last N images of the recipe and deletes older AMIs with their snapshots', () => {
    const [, lifecycle] = only(json, 'AWS::ImageBuilder::LifecyclePolicy');
    expect(props(lifecycle)).toMatchObject({
      ResourceType: 'AMI_IMAGE',
      ResourceSelection: { Recipes: [{ Name: 'hello-golden', SemanticVersion: props(recipe).Version }] },
      PolicyDetails: [
        {
          Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } },
          Filter: { Type: 'COUNT', Value: DEFAULT_CONFIG.goldenAmi.keepImages },
        },
      ],
    });
  });
});

describe(`Hello-Recovery-Image-${RECOVERY_REGION}`, () => {
  const json = estate('lab').stack(`Hello-Recovery-Image-${RECOVERY_REGION}`).json;
  const [, role] = only(json, 'AWS::IAM::Role');
  const [, policy] = only(json, 'AWS::IAM::Policy');
  const statements = (props(policy).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

  it('AMI-2: the role AWS names for cross-account distribution, trusted by the primary account (which always exists)', () => {
    expect(props(role).RoleName).toBe('EC2ImageBuilderDistributionCrossAccountRole');
    expect(text(props(role).AssumeRolePolicyDocument)).toContain(`:iam::${PRIMARY}:root`);
    expect(text(props(role).ManagedPolicyArns)).toContain('Ec2ImageBuilderCrossAccountDistributionAccess');
  });

  it('AMI-2: it may decrypt the source with the primary estate key (by alias), encrypt the copy with its own, and write only its latest parameter', () => {
    expect(statements.find((s) => s.Sid === 'DecryptTheSource')).toMatchObject({
      Resource: `arn:aws:kms:${HOME}:${PRIMARY}:key/*`,
      Condition: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/hello/estate' },
        StringEquals: {
          'kms:ViaService': [`ec2.${HOME}.amazonaws.com`, `ec2.${RECOVERY_REGION}.amazonaws.com`],
        },
      },
    });
    expect(text(statements.find((s) => s.Sid === 'EncryptTheCopy')?.Resource)).toMatch(/EstateKey/);
    expect(statements.find((s) => s.Sid === 'LatestImageParameter')?.Resource).toBe(
      `arn:aws:ssm:${RECOVERY_REGION}:${RECOVERY}:parameter/hello/${RECOVERY_REGION}/ami/latest`,
    );
  });
});

describe.each(['Hello-Fleet-us-east-1', 'Hello-Asg-us-east-1', 'Hello-Asg-eu-central-1'])(
  '%s launches the golden image',
  (name) => {
    const stack = estate('lab').stack(name);
    const json = stack.json;

    it('AMI-2: the launch template resolves the region’s latest parameter at every launch', () => {
      expect(launchTemplateData(json).ImageId).toBe(`resolve:ssm:/hello/${stack.region}/ami/latest`);
    });

    it('AMI-2: before the first bake the parameter is created with the public base image, never overwritten, and exists before any launch', () => {
      const [seedId, seed] = only(json, 'Custom::GoldenImageParameter');
      const create = JSON.parse(flatten(props(seed).Create)) as Record<string, unknown>;
      expect(create).toMatchObject({
        action: 'PutParameter',
        parameters: {
          Name: `/hello/${stack.region}/ami/latest`,
          DataType: 'aws:ec2:image',
          Overwrite: false,
        },
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
      });
      expect(props(seed).Update).toBeUndefined();
      expect(props(seed).Delete).toBeUndefined();
      const parameters = json.Parameters as Record<string, { Type: string; Default: string }>;
      const base = Object.values(parameters).find((p) => p.Default === DEFAULT_CONFIG.ec2.amiParameter);
      expect(base?.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
      const [, template] = only(json, 'AWS::EC2::LaunchTemplate');
      expect(template.DependsOn).toContain(seedId);
    });

    it('AMI-1: user data installs the agents only when the image lacks them', () => {
      const userData = flatten(launchTemplateData(json).UserData);
      expect(userData).toContain('if [ ! -x /opt/codedeploy-agent/bin/codedeploy-agent ]; then');
      expect(userData).toContain(
        'if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then',
      );
    });
  },
);
