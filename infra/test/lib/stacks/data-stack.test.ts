import { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../../bin/estate.ts';
import { DEFAULT_CONFIG, estateKeyAlias, parseConfig } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { RDS_EVENT_CATEGORIES } from '../../../lib/constructs/data/database-events.ts';
import type { AsgStack } from '../../../lib/stacks/asg-stack.ts';
import { estate, type SynthesizedStack, type TemplateJson } from '../../support/estate.ts';
import { flatten, only, props, resources, target } from './ec2-template.ts';

const PROFILES = ['lab', 'production'] as const;
const HOME = 'us-east-1';
const SECONDARY = 'eu-central-1';
const ACCOUNT = '111111111111';
const EXPECTED = {
  lab: { capacity: { MinCapacity: 0.5, MaxCapacity: 2 }, deletionProtection: false, logRetention: 30 },
  production: { capacity: { MinCapacity: 2, MaxCapacity: 8 }, deletionProtection: true, logRetention: 365 },
} as const;

type Statement = Record<string, unknown>;

/** Whether `value` is an output of the region's foundation stack naming `what` (key, topic, subnet). */
function fromFoundation(value: unknown, region: string, what: string): boolean {
  const text = JSON.stringify(value ?? null);
  return text.includes(`"StackName":"Hello-Foundation-${region}"`) && text.includes(what);
}

function statementsOf(json: TemplateJson, policyIdPrefix: string): Statement[] {
  return resources(json, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(policyIdPrefix))
    .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Statement[] }).Statement);
}

describe.each(PROFILES)('the data stacks of the %s estate', (profile) => {
  const expected = EXPECTED[profile];
  const primary = () => estate(profile).stack(`Hello-Data-${HOME}`);
  const secondary = () => estate(profile).stack(`Hello-Data-${SECONDARY}`);
  const cluster = (stack: SynthesizedStack) => only(stack.json, 'AWS::RDS::DBCluster');

  it('exist in the home region and in each secondary region, and nowhere else', () => {
    const names = estate(profile)
      .stacks.map((s) => s.name)
      .filter((n) => n.startsWith('Hello-Data-'));
    expect(names).toEqual([`Hello-Data-${HOME}`, `Hello-Data-${SECONDARY}`]);
  });

  it('DATA-1: a global database created from the primary cluster, deletion protection per profile', () => {
    const [clusterId] = cluster(primary());
    const [, global] = only(primary().json, 'AWS::RDS::GlobalCluster');
    expect(props(global)).toMatchObject({
      GlobalClusterIdentifier: 'hello-global',
      DeletionProtection: expected.deletionProtection,
    });
    expect(flatten(props(global).SourceDBClusterIdentifier)).toBe(
      `arn:aws:rds:${HOME}:${ACCOUNT}:cluster:<Ref:${clusterId}>`,
    );
  });

  it('DATA-1: the primary is Aurora PostgreSQL Serverless v2, encrypted with the estate key, in isolated subnets', () => {
    const [, primaryCluster] = cluster(primary());
    const p = props(primaryCluster);
    expect(p).toMatchObject({
      Engine: 'aurora-postgresql',
      DBClusterIdentifier: `hello-${HOME}`,
      DatabaseName: 'hello',
      StorageEncrypted: true,
      DeletionProtection: expected.deletionProtection,
      BackupRetentionPeriod: 7,
      ServerlessV2ScalingConfiguration: expected.capacity,
      EnableCloudwatchLogsExports: ['postgresql'],
      PerformanceInsightsEnabled: true,
      Port: 5432,
    });
    expect(fromFoundation(p.KmsKeyId, HOME, 'EstateKey')).toBe(true);
    expect(fromFoundation(p.PerformanceInsightsKmsKeyId, HOME, 'EstateKey')).toBe(true);
    expect(p.GlobalClusterIdentifier).toBeUndefined();
    const [, subnets] = only(primary().json, 'AWS::RDS::DBSubnetGroup');
    const subnetIds = props(subnets).SubnetIds as unknown[];
    expect(subnetIds).toHaveLength(3);
    for (const id of subnetIds) expect(fromFoundation(id, HOME, 'IsolatedSubnet')).toBe(true);
  });

  it('DATA-1: the primary runs the default minor of Aurora PostgreSQL 16 when created, looked up then, never pinned', () => {
    // RDS retires minor versions for new clusters: a literal one fails a first deploy once retired.
    for (const stack of [primary(), secondary()]) {
      expect(JSON.stringify(stack.json)).not.toMatch(/"EngineVersion":"\d/);
    }
    const [lookupId, lookup] = only(primary().json, 'Custom::AuroraDefaultVersion');
    expect(props(cluster(primary())[1]).EngineVersion).toEqual({
      'Fn::GetAtt': [lookupId, 'DBEngineVersions.0.EngineVersion'],
    });
    const call = {
      service: 'RDS',
      action: 'describeDBEngineVersions',
      parameters: {
        Engine: 'aurora-postgresql',
        DBParameterGroupFamily: 'aurora-postgresql16',
        DefaultOnly: true,
      },
      physicalResourceId: { id: 'aurora-postgresql16' },
      outputPaths: ['DBEngineVersions.0.EngineVersion'],
    };
    expect(JSON.parse(String(props(lookup).Create))).toEqual(call);
    expect(JSON.parse(String(props(lookup).Update))).toEqual(call);
    for (const stack of [primary(), secondary()]) {
      expect(props(only(stack.json, 'AWS::RDS::DBClusterParameterGroup')[1]).Family).toBe(
        'aurora-postgresql16',
      );
    }
  });

  it('DATA-1: the secondary joins on the version the global database runs, read from the home region', () => {
    const [lookupId, lookup] = only(secondary().json, 'Custom::GlobalDatabaseVersion');
    expect(props(cluster(secondary())[1]).EngineVersion).toEqual({
      'Fn::GetAtt': [lookupId, 'GlobalClusters.0.EngineVersion'],
    });
    expect(JSON.parse(String(props(lookup).Create))).toMatchObject({
      service: 'RDS',
      action: 'describeGlobalClusters',
      parameters: { GlobalClusterIdentifier: 'hello-global' },
      region: HOME,
    });
  });

  it('DATA-1: a writer and a reader of the same size in two different AZs (Multi-AZ)', () => {
    const instances = resources(primary().json, 'AWS::RDS::DBInstance').map(([, i]) => props(i));
    expect(instances.map((i) => i.AvailabilityZone)).toEqual([`${HOME}a`, `${HOME}b`]);
    expect(instances.map((i) => i.DBInstanceClass)).toEqual(['db.serverless', 'db.serverless']);
    // Tier 0 and 1: the reader scales with the writer, so a failover lands on a warm instance.
    expect(instances.map((i) => i.PromotionTier)).toEqual([0, 1]);
    for (const i of instances) {
      expect(i.PubliclyAccessible).toBe(false);
      expect(fromFoundation(i.PerformanceInsightsKMSKeyId, HOME, 'EstateKey')).toBe(true);
    }
  });

  it('DATA-1: exports the PostgreSQL log to an encrypted group created before the cluster', () => {
    const [logId, group] = resources(primary().json, 'AWS::Logs::LogGroup').find(([id]) =>
      id.startsWith('DatabasePostgresLog'),
    ) ?? ['', undefined];
    expect(props(group)).toMatchObject({
      LogGroupName: `/aws/rds/cluster/hello-${HOME}/postgresql`,
      RetentionInDays: expected.logRetention,
    });
    expect(fromFoundation(props(group).KmsKeyId, HOME, 'EstateKey')).toBe(true);
    expect(cluster(primary())[1].DependsOn).toContain(logId);
  });

  it('DATA-1: opens 5432 only to security groups (the engines, the app-user function, the rotations)', () => {
    const groupIds = [primary(), secondary()].map((s) => {
      const [id, group] = resources(s.json, 'AWS::EC2::SecurityGroup').find(([i]) =>
        i.startsWith('DatabaseSecurityGroup'),
      ) ?? ['', undefined];
      expect(props(group).SecurityGroupIngress).toBeUndefined();
      return [s.region, id] as const;
    });
    const rules = estate(profile).stacks.flatMap((s) =>
      resources(s.json, 'AWS::EC2::SecurityGroupIngress')
        .map(([, r]): Statement => ({ stack: s.name, ...props(r) }))
        .filter((r) =>
          groupIds.some(([region, id]) => JSON.stringify(r.GroupId).includes(id) && s.region === region),
        ),
    );
    expect(rules.map((r) => r.stack).sort()).toEqual([
      `Hello-Asg-${SECONDARY}`,
      `Hello-Asg-${HOME}`,
      `Hello-Data-${HOME}`,
      `Hello-Data-${HOME}`,
      `Hello-Data-${HOME}`,
      `Hello-Fleet-${HOME}`,
    ]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
      expect(rule.SourceSecurityGroupId).toBeDefined();
      expect(rule.CidrIp).toBeUndefined();
    }
  });

  it('DATA-2: the master password is generated into a secret encrypted with the key and replicated with the secondary key', () => {
    const [secretId, secret] = resources(primary().json, 'AWS::SecretsManager::Secret').find(
      ([, s]) => props(s).Name === 'hello/database/master',
    ) ?? ['', undefined];
    const p = props(secret);
    expect(p.GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{"username":"hello_admin"}',
      GenerateStringKey: 'password',
    });
    expect(fromFoundation(p.KmsKeyId, HOME, 'EstateKey')).toBe(true);
    expect(p.ReplicaRegions).toEqual([
      { Region: SECONDARY, KmsKeyId: `arn:aws:kms:${SECONDARY}:${ACCOUNT}:alias/hello/estate` },
    ]);
    const c = props(cluster(primary())[1]);
    expect(c.MasterUsername).toBe('hello_admin');
    expect(flatten(c.MasterUserPassword)).toContain(`<Ref:${secretId}>`);
    // Not supported in a global database (shared/aws-facts.md §15).
    expect(c.ManageMasterUserPassword).toBeUndefined();
  });

  it('DATA-2: the app secret is generated for hello_app, attached to the cluster and replicated', () => {
    const [appId, app] = resources(primary().json, 'AWS::SecretsManager::Secret').find(
      ([, s]) => props(s).Name === 'hello/database/app',
    ) ?? ['', undefined];
    expect(props(app).GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{"username":"hello_app","dbname":"hello"}',
      GenerateStringKey: 'password',
      ExcludePunctuation: true,
    });
    expect(fromFoundation(props(app).KmsKeyId, HOME, 'EstateKey')).toBe(true);
    expect(props(app).ReplicaRegions).toEqual([
      { Region: SECONDARY, KmsKeyId: `arn:aws:kms:${SECONDARY}:${ACCOUNT}:alias/hello/estate` },
    ]);
    const [clusterId] = cluster(primary());
    const attachment = resources(primary().json, 'AWS::SecretsManager::SecretTargetAttachment').find(
      ([, a]) => target(props(a).SecretId) === appId,
    )?.[1];
    // The attachment writes engine, host, port and dbClusterIdentifier into the secret.
    expect(props(attachment)).toMatchObject({
      TargetType: 'AWS::RDS::DBCluster',
      TargetId: { Ref: clusterId },
    });
  });

  it('DATA-2: both passwords rotate every 30 days (hosted single-user rotation, after the app user exists)', () => {
    const [userId] = only(primary().json, 'Custom::DatabaseAppUser');
    const rotations = resources(primary().json, 'AWS::SecretsManager::RotationSchedule');
    expect(rotations).toHaveLength(2);
    for (const [, rotation] of rotations) {
      expect(props(rotation)).toMatchObject({
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        HostedRotationLambda: { RotationType: 'PostgreSQLSingleUser' },
      });
      expect(
        fromFoundation((props(rotation).HostedRotationLambda as Statement).KmsKeyArn, HOME, 'EstateKey'),
      ).toBe(true);
      expect(rotation.DependsOn).toContain(userId);
    }
    // One rotation per password: each through the attachment that tells it the cluster to connect to.
    const rotated = rotations.map(([, rotation]) => {
      const attachment = primary().json.Resources[target(props(rotation).SecretId) ?? ''];
      expect(attachment?.Type).toBe('AWS::SecretsManager::SecretTargetAttachment');
      return props(primary().json.Resources[target(props(attachment).SecretId) ?? '']).Name;
    });
    expect(rotated.sort()).toEqual(['hello/database/app', 'hello/database/master']);
  });

  it('DATA-2: the app-user custom resource runs after every instance, with the secrets and the database', () => {
    const json = primary().json;
    const [, user] = only(json, 'Custom::DatabaseAppUser');
    const attachments = resources(json, 'AWS::SecretsManager::SecretTargetAttachment');
    const attachmentOf = (name: string) =>
      attachments.find(([, a]) => {
        const secretId = target(props(a).SecretId);
        return props(json.Resources[secretId ?? '']).Name === name;
      })?.[0];
    expect(props(user)).toMatchObject({
      MasterSecretArn: { Ref: attachmentOf('hello/database/master') },
      AppSecretArn: { Ref: attachmentOf('hello/database/app') },
      DatabaseName: 'hello',
      RetainOnDelete: String(expected.deletionProtection),
    });
    for (const [instanceId] of resources(json, 'AWS::RDS::DBInstance')) {
      expect(user.DependsOn).toContain(instanceId);
    }
  });

  it('DATA-2: the app-user function runs Node.js 24 in the VPC, verifies TLS, and may only read the two secrets', () => {
    const json = primary().json;
    const fn = resources(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('AppUserFunction'))?.[1];
    expect(props(fn).Runtime).toBe('nodejs24.x');
    // The RDS CAs are bundled with the handler: no NODE_EXTRA_CA_CERTS.
    expect(props(fn).Environment).toEqual({ Variables: { DATABASE_TLS: 'verify-full' } });
    expect((props(fn).VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(3);
    const attachments = resources(json, 'AWS::SecretsManager::SecretTargetAttachment').map(([id]) => ({
      Ref: id,
    }));
    const statements = statementsOf(json, 'AppUserFunctionServiceRole');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: expect.arrayContaining(attachments),
    });
    expect(statements[0]?.Resource).toHaveLength(2);
    expect(statements[1]).toMatchObject({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${HOME}.amazonaws.com` } },
    });
    expect(fromFoundation(statements[1]?.Resource, HOME, 'EstateKey')).toBe(true);
  });

  it.each([
    ['Fleet', HOME],
    ['Asg', HOME],
    ['Asg', SECONDARY],
  ])(
    'DATA-2: the %s engine in %s reads the app secret through SSM, with exactly three grants',
    (engine, region) => {
      const json = estate(profile).stack(`Hello-${engine}-${region}`).json;
      const settings = resources(json, 'AWS::SSM::Parameter').find(
        ([, p]) => props(p).Name === `/hello/${engine.toLowerCase()}/settings`,
      )?.[1];
      expect(String(props(settings).Value).split('\n')).toContain(
        'DB_SECRET_PARAMETER=/aws/reference/secretsmanager/hello/database/app',
      );
      const statements = statementsOf(json, 'ServiceInstanceRole').filter((s) =>
        String(s.Sid ?? '').startsWith('DatabaseSecret'),
      );
      const [parameter, secret, key] = statements;
      expect(statements).toHaveLength(3);
      expect(parameter).toEqual({
        Sid: 'DatabaseSecretParameter',
        Action: 'ssm:GetParameter',
        Effect: 'Allow',
        Resource: `arn:aws:ssm:${region}:${ACCOUNT}:parameter/aws/reference/secretsmanager/hello/database/app`,
      });
      expect(secret).toEqual({
        Sid: 'DatabaseSecret',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:hello/database/app-??????`,
      });
      expect(key).toMatchObject({
        Sid: 'DatabaseSecretKey',
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      });
      expect(fromFoundation(key?.Resource, region, 'EstateKey')).toBe(true);
      expect(estate(profile).stack(`Hello-${engine}-${region}`).dependsOn).toContain(`Hello-Data-${region}`);
    },
  );

  it.each([
    ['Fleet', HOME],
    ['Asg', HOME],
    ['Asg', SECONDARY],
  ])(
    "DATA-3: the %s engine in %s takes its host from the region's endpoint parameter (it follows a switchover)",
    (engine, region) => {
      const json = estate(profile).stack(`Hello-${engine}-${region}`).json;
      const settings = resources(json, 'AWS::SSM::Parameter').find(
        ([, p]) => props(p).Name === `/hello/${engine.toLowerCase()}/settings`,
      )?.[1];
      const lines = String(props(settings).Value).split('\n');
      const statements = statementsOf(json, 'ServiceInstanceRole').filter((s) =>
        String(s.Sid ?? '').startsWith('DatabaseHost'),
      );
      expect(lines).toContain(`DB_HOST_PARAMETER=/hello/${region}/database/endpoint`);
      expect(statements).toEqual([
        {
          Sid: 'DatabaseHostParameter',
          Action: 'ssm:GetParameter',
          Effect: 'Allow',
          Resource: `arn:aws:ssm:${region}:${ACCOUNT}:parameter/hello/${region}/database/endpoint`,
        },
      ]);
      // The parameter the setting names is the one the region's data stack publishes.
      const published = resources(
        estate(profile).stack(`Hello-Data-${region}`).json,
        'AWS::SSM::Parameter',
      ).map(([, p]) => props(p).Name);
      expect(published).toContain(`/hello/${region}/database/endpoint`);
    },
  );

  it('DATA-3: the secondary joins the global database with write forwarding, its own key and no master secret', () => {
    const json = secondary().json;
    const p = props(cluster(secondary())[1]);
    const primaryProps = props(cluster(primary())[1]);
    expect(p).toMatchObject({
      Engine: primaryProps.Engine,
      DBClusterIdentifier: `hello-${SECONDARY}`,
      GlobalClusterIdentifier: 'hello-global',
      EnableGlobalWriteForwarding: true,
      StorageEncrypted: true,
      DeletionProtection: expected.deletionProtection,
      ServerlessV2ScalingConfiguration: expected.capacity,
    });
    expect(fromFoundation(p.KmsKeyId, SECONDARY, 'EstateKey')).toBe(true);
    for (const absent of [
      'MasterUsername',
      'MasterUserPassword',
      'DatabaseName',
      'ManageMasterUserPassword',
    ]) {
      expect(p[absent], absent).toBeUndefined();
    }
    expect(resources(json, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(resources(json, 'AWS::RDS::DBInstance').map(([, i]) => props(i).AvailabilityZone)).toEqual([
      `${SECONDARY}a`,
    ]);
  });

  it('DATA-2: names each replica key by the alias every foundation gives its estate key', () => {
    for (const region of [HOME, SECONDARY]) {
      const [, alias] = only(estate(profile).stack(`Hello-Foundation-${region}`).json, 'AWS::KMS::Alias');
      expect(props(alias).AliasName).toBe(estateKeyAlias(DEFAULT_CONFIG));
    }
  });

  it('DATA-3: the secondary stack deploys after the primary (order only: values cross as names)', () => {
    expect(secondary().dependsOn).toContain(`Hello-Data-${HOME}`);
    expect(JSON.stringify(secondary().json)).not.toContain(`Hello-Data-${HOME}`);
  });

  it('SEC-3: the primary stack deploys after the foundation of each secondary region, whose key alias it names', () => {
    // The master secret's replica there is encrypted under that foundation's alias: a name, no token.
    expect(JSON.stringify(primary().json)).toContain(
      `:kms:${SECONDARY}:${ACCOUNT}:${estateKeyAlias(DEFAULT_CONFIG)}`,
    );
    expect(primary().dependsOn).toContain(`Hello-Foundation-${SECONDARY}`);
  });

  it.each([
    [HOME, 'the writer', 'Endpoint.Address'],
    [SECONDARY, 'the reader (its writer endpoint is inactive)', 'ReadEndpoint.Address'],
  ])('DATA-3: publishes for the engines of %s %s endpoint of its cluster', (region, _, attribute) => {
    const json = estate(profile).stack(`Hello-Data-${region}`).json;
    const [clusterId] = only(json, 'AWS::RDS::DBCluster');
    const [, parameter] = only(json, 'AWS::SSM::Parameter');
    expect(props(parameter)).toMatchObject({
      Name: `/hello/${region}/database/endpoint`,
      Type: 'String',
      Value: { 'Fn::GetAtt': [clusterId, attribute] },
    });
  });

  it.each([HOME, SECONDARY])(
    'DATA-3: in %s the end of a switchover or failover invokes the function that rewrites every region endpoint',
    (region) => {
      const json = estate(profile).stack(`Hello-Data-${region}`).json;
      const [clusterId] = only(json, 'AWS::RDS::DBCluster');
      const [ruleId, rule] =
        resources(json, 'AWS::Events::Rule').find(([id]) => id.startsWith('EndpointRule')) ?? [];
      expect(props(rule).EventPattern).toEqual({
        source: ['aws.rds'],
        'detail-type': ['RDS DB Cluster Event'],
        detail: { EventID: ['RDS-EVENT-0185', 'RDS-EVENT-0238'], SourceIdentifier: [{ Ref: clusterId }] },
      });
      const [functionId, fn] =
        resources(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('EndpointFunction')) ?? [];
      expect(target((props(rule).Targets as Statement[])[0]?.Arn)).toBe(functionId);
      expect((props(fn).Environment as { Variables: unknown }).Variables).toMatchObject({
        GLOBAL_CLUSTER_IDENTIFIER: 'hello-global',
        ENDPOINT_PARAMETER_PATTERN: '/hello/{region}/database/endpoint',
      });
      const permissions = resources(json, 'AWS::Lambda::Permission').filter(
        ([, p]) => target(props(p).FunctionName) === functionId,
      );
      expect(
        permissions.map(([, p]) => [props(p).Principal, props(p).Action, target(props(p).SourceArn)]),
      ).toEqual([['events.amazonaws.com', 'lambda:InvokeFunction', ruleId]]);
      const statements = statementsOf(json, 'EndpointFunctionServiceRoleDefaultPolicy');
      const resourcesOf = (action: string) =>
        statements.filter((st) => [st.Action].flat().includes(action)).flatMap((st) => [st.Resource].flat());
      expect(resourcesOf('ssm:PutParameter').map(flatten)).toEqual([
        `arn:aws:ssm:*:${ACCOUNT}:parameter/hello/*/database/endpoint`,
      ]);
      expect(resourcesOf('rds:DescribeDBClusters').map(flatten).sort()).toEqual(
        [SECONDARY, HOME].map((r) => `arn:aws:rds:${r}:${ACCOUNT}:cluster:hello-${r}`),
      );
      expect(resourcesOf('rds:DescribeGlobalClusters').map(flatten)).toEqual([
        `arn:aws:rds::${ACCOUNT}:global-cluster:hello-global`,
      ]);
    },
  );

  it.each([HOME, SECONDARY])(
    'DATA-6: RDS events of the cluster and instances in %s reach the region alarm topic',
    (region) => {
      const json = estate(profile).stack(`Hello-Data-${region}`).json;
      const [clusterId] = only(json, 'AWS::RDS::DBCluster');
      const instanceIds = resources(json, 'AWS::RDS::DBInstance').map(([id]) => ({ Ref: id }));
      const subscriptions = resources(json, 'AWS::RDS::EventSubscription').map(([, s]) => props(s));
      expect(subscriptions.map((s) => [s.SourceType, s.EventCategories, s.SourceIds, s.Enabled])).toEqual([
        ['db-cluster', RDS_EVENT_CATEGORIES['db-cluster'], [{ Ref: clusterId }], true],
        ['db-instance', RDS_EVENT_CATEGORIES['db-instance'], instanceIds, true],
      ]);
      expect(RDS_EVENT_CATEGORIES['db-cluster']).toEqual([
        'failover',
        'failure',
        'maintenance',
        'notification',
      ]);
      expect(RDS_EVENT_CATEGORIES['db-instance']).toEqual(
        expect.arrayContaining(['failover', 'failure', 'maintenance', 'low storage']),
      );
      for (const s of subscriptions) expect(fromFoundation(s.SnsTopicArn, region, 'AlarmsTopic')).toBe(true);

      const [, rule] = resources(json, 'AWS::Events::Rule').find(([id]) => id.startsWith('EventsRule')) ?? [];
      expect(props(rule).EventPattern).toMatchObject({
        source: ['aws.rds'],
        'detail-type': ['RDS DB Cluster Event', 'RDS DB Instance Event'],
        detail: { SourceIdentifier: [{ Ref: clusterId }, ...instanceIds] },
      });
      const targets = props(rule).Targets as Statement[];
      expect(targets).toHaveLength(1);
      expect(fromFoundation(targets[0]?.Arn, region, 'AlarmsTopic')).toBe(true);
    },
  );

  it.each([HOME, SECONDARY])(
    'DATA-6: the alarm topic of %s and its key let RDS and EventBridge publish, for this account',
    (region) => {
      const json = estate(profile).stack(`Hello-Foundation-${region}`).json;
      const [, policy] = only(json, 'AWS::SNS::TopicPolicy');
      const topicStatements = (props(policy).PolicyDocument as { Statement: Statement[] }).Statement;
      // CDK merges the two services' statements, which share actions and condition.
      for (const service of ['events.rds.amazonaws.com', 'events.amazonaws.com']) {
        const granted = topicStatements.filter((st) =>
          [(st.Principal as { Service?: unknown } | undefined)?.Service].flat().includes(service),
        );
        expect(granted, service).toEqual([
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ]);
      }
      const [, key] = only(json, 'AWS::KMS::Key');
      const keyStatements = (props(key).KeyPolicy as { Statement: Statement[] }).Statement;
      // Merged by CDK with the CloudWatch statement of the same actions and condition.
      for (const service of ['events.rds.amazonaws.com', 'events.amazonaws.com']) {
        const granted = keyStatements.filter((st) =>
          [(st.Principal as { Service?: unknown } | undefined)?.Service].flat().includes(service),
        );
        expect(granted, service).toEqual([
          expect.objectContaining({
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ]);
      }
    },
  );

  it('leaves the foundations of regions without a database as they were (no RDS principal)', () => {
    for (const region of ['eu-west-1', 'us-west-2', 'ap-southeast-2']) {
      expect(JSON.stringify(estate(profile).stack(`Hello-Foundation-${region}`).json)).not.toContain(
        'events.rds.amazonaws.com',
      );
    }
  });
});

describe('an EC2 engine in a region without a database', () => {
  it('gets no DB_SECRET_PARAMETER setting and no database grant (its /store answers 503)', () => {
    const app = createEstateApp({ builtinValidation: false });
    // Composition only: nothing is synthesized or bundled.
    app.node.setContext('aws:cdk:bundling-stacks', []);
    const config = parseConfig({ database: { secondaryRegions: [] } });
    const { stacks, data } = buildEstate(app, config);
    expect([...data.keys()]).toEqual([HOME]);
    const engine = stacks.find((s) => s.stackName === `Hello-Asg-${SECONDARY}`) as AsgStack;
    const parameter = engine.service.settings.parameter.node.defaultChild as ssm.CfnParameter;
    // Only the settings every engine has: the fault rate and its region's drain switch.
    expect(Stack.of(engine).resolve(parameter.value)).toBe(
      `FAILURE_RATE=0\nDRAIN_PARAMETER=/hello/${SECONDARY}/traffic/drain`,
    );
    const policy = engine.service.role.role.node.tryFindChild('DefaultPolicy') as iam.Policy;
    expect(JSON.stringify(Stack.of(engine).resolve(policy.document))).not.toMatch(/secretsmanager|Database/);
    const home = stacks.find((s) => s.stackName === `Hello-Asg-${HOME}`) as AsgStack;
    const homeParameter = home.service.settings.parameter.node.defaultChild as ssm.CfnParameter;
    expect(Stack.of(home).resolve(homeParameter.value)).toContain('DB_SECRET_PARAMETER=');
  });
});
