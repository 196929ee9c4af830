import { describe, expect, it } from 'vitest';
import { type AwsRegion, DEFAULT_CONFIG } from '../../../../../config/index.ts';
import { goldenImageNames } from '../../../../../lib/constructs/images/golden-image-names.ts';
import { estate } from '../../../../support/estate.ts';
import { flatten, launchTemplateData, only, props, resources, target } from '../../../stacks/ec2-template.ts';

// Every EC2 engine stack of the default estate: the fleet (home) and the ASGs (home and eu-central-1).
const ENGINES = estate('lab')
  .stacks.filter((s) => /^Hello-(Fleet|Asg)-/.test(s.name))
  .map((s) => [s.name, s.name.includes('-Fleet-') ? 'fleet' : 'asg'] as const);

it('the default estate has the fleet in the home region and an ASG in both ASG regions', () => {
  expect(ENGINES.map(([name]) => name).sort()).toEqual([
    'Hello-Asg-eu-central-1',
    'Hello-Asg-us-east-1',
    'Hello-Fleet-us-east-1',
  ]);
});

describe.each(ENGINES)('%s', (name, engine) => {
  const stack = estate('lab').stack(name);
  const json = stack.json;
  const [, balancer] = only(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const balancerGroup = target((props(balancer).SecurityGroups as unknown[] | undefined)?.[0]);
  const instanceGroup = target((launchTemplateData(json).SecurityGroupIds as unknown[])[0]);

  it('SCALE-7: instances are reachable only from the load balancer security group, on 8080', () => {
    expect(balancerGroup).toBeDefined();
    expect(instanceGroup).toBeDefined();
    const [, group] = resources(json, 'AWS::EC2::SecurityGroup').find(([id]) => id === instanceGroup) ?? [];
    expect(group?.Properties?.SecurityGroupIngress).toBeUndefined();
    const ingress = resources(json, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties ?? {})
      .filter((p) => target(p.GroupId) === instanceGroup);
    expect(ingress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [balancerGroup, 'GroupId'] },
      }),
    ]);
  });

  it('SCALE-7: IMDSv2 required and no key pair on the launch template or any instance', () => {
    const data = launchTemplateData(json);
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(data.KeyName).toBeUndefined();
    for (const [id, instance] of resources(json, 'AWS::EC2::Instance')) {
      expect(instance.Properties?.KeyName, id).toBeUndefined();
    }
  });

  it('SCALE-7: the ALB checks /health on 8080 (never /health/deep), with sane thresholds', () => {
    const [, group] = only(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(group.Properties).toMatchObject({
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/health',
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
    });
    const listeners = resources(json, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
    expect(listeners).toContainEqual(expect.objectContaining({ Port: 443, Protocol: 'HTTPS' }));
  });

  it('SCALE-7: the instance role has AmazonSSMManagedInstanceCore (Session Manager instead of SSH)', () => {
    const profile = only(json, 'AWS::IAM::InstanceProfile')[1];
    const roleId = target((props(profile).Roles as unknown[] | undefined)?.[0]);
    const role = resources(json, 'AWS::IAM::Role').find(([id]) => id === roleId)?.[1];
    expect(JSON.stringify(role?.Properties?.ManagedPolicyArns)).toContain(
      ':iam::aws:policy/AmazonSSMManagedInstanceCore',
    );
  });

  it('lets the instance role read only its settings parameter and decrypt only with the estate key', () => {
    const statements = resources(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ServiceInstanceRole'))
      .flatMap(
        ([, p]) =>
          (props(p).PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)?.Statement ?? [],
      );
    const parameter = statements.find((s) => s.Action === 'ssm:GetParameter');
    expect(flatten(parameter?.Resource)).toMatch(/:parameter<Ref:ServiceSettingsParameter[0-9A-F]+>$/);
    const decrypt = statements.find((s) => JSON.stringify(s.Action).includes('kms:Decrypt'));
    expect(JSON.stringify(decrypt?.Resource)).toMatch(/EstateKey/);
  });

  it('CICD-1: in a release the agent can fetch the revision CodeDeploy names in the region pipeline bucket', () => {
    const statements = resources(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ServiceInstanceRole'))
      .flatMap(
        ([, p]) =>
          (props(p).PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)?.Statement ?? [],
      );
    // The pipeline's CodeDeploy action points the agent at its own artifact bucket in the engine's region.
    const releaseObjects = `s3:::hello-release-artifacts-${stack.account}-${stack.region}/*`;
    const read = statements.find((s) => JSON.stringify(s.Action).includes('s3:GetObject*'));
    expect(JSON.stringify(read?.Resource)).toContain(releaseObjects);
    // ... and those objects are encrypted with the region's estate key: S3 must be allowed to decrypt them.
    const decrypt = statements.find((s) => s.Sid === 'RevisionsKey');
    const context = ((decrypt?.Condition ?? {}) as Record<string, Record<string, unknown>>).StringEquals?.[
      'kms:EncryptionContext:aws:s3:arn'
    ];
    expect(JSON.stringify(context)).toContain(
      `s3:::hello-release-artifacts-${stack.account}-${stack.region}`,
    );
  });

  it('launches with the golden image parameter of its region, resolved at launch, on an encrypted gp3 root', () => {
    const data = launchTemplateData(json);
    expect(data.ImageId).toBe(
      `resolve:ssm:${goldenImageNames(DEFAULT_CONFIG).latestParameter(stack.region as AwsRegion)}`,
    );
    expect(data.BlockDeviceMappings).toEqual([
      expect.objectContaining({
        Ebs: expect.objectContaining({ Encrypted: true, VolumeType: 'gp3', KmsKeyId: expect.anything() }),
      }),
    ]);
  });

  it('writes the instance env file of the revision contract and installs both agents', () => {
    const script = flatten(launchTemplateData(json).UserData);
    expect(script).toContain(
      [
        "cat > /etc/hello/instance.env <<'ENV'",
        `ENGINE=${engine}`,
        `AWS_REGION=${stack.region}`,
        `SETTINGS_PARAMETER=/hello/${engine}/settings`,
        `LOG_GROUP=/hello/${engine}/service`,
        'ENV',
      ].join('\n'),
    );
    expect(script).toContain('dnf install -y amazon-cloudwatch-agent');
    expect(script).toMatch(/aws-codedeploy-.*\/latest\/install/);
    expect(script).toContain('install auto');
  });

  it('creates the settings parameter and the encrypted log group the instance env file names', () => {
    const settings = resources(json, 'AWS::SSM::Parameter').find(
      ([, p]) => p.Properties?.Name === `/hello/${engine}/settings`,
    )?.[1];
    // Every EC2 region of the default topology holds a database cluster (see data-stack.test.ts). In
    // every region, home included, the host comes from the region's endpoint parameter: the secret's
    // host is the home writer, inactive once a switchover makes that cluster a secondary.
    const lines = [
      'FAILURE_RATE=0',
      `DRAIN_PARAMETER=/hello/${stack.region}/traffic/drain`,
      'DB_SECRET_PARAMETER=/aws/reference/secretsmanager/hello/database/app',
      `DB_HOST_PARAMETER=/hello/${stack.region}/database/endpoint`,
    ];
    expect(settings?.Properties).toMatchObject({ Type: 'String', Value: lines.join('\n') });
    const group = resources(json, 'AWS::Logs::LogGroup').find(
      ([, g]) => g.Properties?.LogGroupName === `/hello/${engine}/service`,
    )?.[1];
    expect(group?.Properties?.RetentionInDays).toBe(30);
    expect(JSON.stringify(group?.Properties?.KmsKeyId)).toMatch(/EstateKey/);
  });

  it('keeps revisions in a KMS-encrypted artifact bucket whose deterministic name it publishes', () => {
    const bucketName = `hello-${engine}-artifacts-${stack.account}-${stack.region}`;
    const [, bucket] = only(json, 'AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({ BucketName: bucketName });
    expect(JSON.stringify(bucket.Properties?.BucketEncryption)).toContain('aws:kms');
    const published = resources(json, 'AWS::SSM::Parameter').find(
      ([, p]) => p.Properties?.Name === `/hello/${stack.region}/${engine}/artifact-bucket`,
    )?.[1];
    expect(published?.Properties?.Value).toBe(bucketName);
  });

  it('writes the ALB access logs to the region access-log bucket', () => {
    expect(balancer.Properties?.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        expect.objectContaining({ Key: 'access_logs.s3.bucket' }),
      ]),
    );
  });
});
