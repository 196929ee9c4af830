import { describe, expect, it } from 'vitest';
import { select } from '../../../../deploy/test/support/automation.ts';
import { DEFAULT_CONFIG, estateSites, parseConfig, type Site } from '../../../config/index.ts';
import { createEstateApp } from '../../../lib/app.ts';
import { applyPolicies } from '../../../lib/aspects/index.ts';
import { runbookContent } from '../../../lib/constructs/governance/runbook-document.ts';
import { FoundationStack } from '../../../lib/stacks/foundation-stack.ts';
import { GovernanceStack } from '../../../lib/stacks/governance-stack.ts';
import type { TemplateJson } from '../../support/estate.ts';
import { complianceChange, inspectorFinding, matchesPattern } from '../../support/events.ts';
import { flatten, only, props, resources, target } from './ec2-template.ts';

const { primary: PRIMARY, recovery: RECOVERY } = DEFAULT_CONFIG.accounts;
const HOME = DEFAULT_CONFIG.homeRegion;

/** The governance stacks of these sites, each on its foundation, with the estate's policies and cdk-nag. */
function compose(config = DEFAULT_CONFIG, pick: (s: Site) => boolean = () => true) {
  const app = createEstateApp({ builtinValidation: false });
  applyPolicies(app, config);
  const stacks = estateSites(config)
    .filter(pick)
    .map(
      (site) =>
        new GovernanceStack(app, { config, site, foundation: new FoundationStack(app, { config, site }) }),
    );
  // cdk-nag runs as a validation plugin: synthesis throws on any unacknowledged finding.
  const assembly = app.synth();
  const json = (name: string) => assembly.getStackByName(name).template as TemplateJson;
  return { stacks, json };
}

const isHome = (s: Site) => s.role === 'primary' && s.region === HOME;
const isOther = (s: Site) => s.role === 'primary' && s.region === 'eu-west-1';
const isRecovery = (s: Site) => s.role === 'recovery';
const { json } = compose(DEFAULT_CONFIG, (s) => isHome(s) || isOther(s) || isRecovery(s));
const home = json(`Hello-Governance-${HOME}`);
const other = json('Hello-Governance-eu-west-1');
const recovery = json(`Hello-Recovery-Governance-${DEFAULT_CONFIG.recoveryRegion}`);

type Remediation = { Parameters: Record<string, unknown>; TargetId: unknown; [k: string]: unknown };

/** The rule named `name` and its remediation configuration. */
function ruleAndRemediation(template: TemplateJson, name: string) {
  const [ruleId, rule] = only(template, 'AWS::Config::ConfigRule', (r) => props(r).ConfigRuleName === name);
  const [, remediation] = only(
    template,
    'AWS::Config::RemediationConfiguration',
    (r) => target(props(r).ConfigRuleName) === ruleId,
  );
  return { rule: props(rule), remediation: props(remediation) as Remediation };
}

/** The role a remediation runs as: its trust and its statements. */
function remediationRole(template: TemplateJson, remediation: Remediation) {
  const roleArn = (remediation.Parameters.AutomationAssumeRole as { StaticValue: { Values: unknown[] } })
    .StaticValue.Values[0];
  const roleId = target(roleArn) ?? '';
  const role = template.Resources[roleId];
  const statements = resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => target(r) === roleId))
    .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
  return { trust: props(role).AssumeRolePolicyDocument, statements };
}

const RETRIES = { MaximumAutomaticAttempts: 5, RetryAttemptSeconds: 600, Automatic: true };

describe('the governance stack of each site', () => {
  it('GOV-1: the required-tags rule checks purpose = DevOps exam on instances and volumes, fixed automatically by our runbook with the resource id', () => {
    for (const template of [home, other, recovery]) {
      const { rule, remediation } = ruleAndRemediation(template, 'hello-required-tags');
      expect(rule).toMatchObject({
        Source: { Owner: 'AWS', SourceIdentifier: 'REQUIRED_TAGS' },
        InputParameters: { tag1Key: 'purpose', tag1Value: 'DevOps exam' },
        Scope: { ComplianceResourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::Volume'] },
      });
      expect(remediation).toMatchObject({ ...RETRIES, TargetType: 'SSM_DOCUMENT' });
      expect(remediation.Parameters).toMatchObject({
        ResourceId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        TagKey: { StaticValue: { Values: ['purpose'] } },
        TagValue: { StaticValue: { Values: ['DevOps exam'] } },
      });
      const document = template.Resources[target(remediation.TargetId) ?? ''];
      expect(document?.Type).toBe('AWS::SSM::Document');
      expect(props(document)).toMatchObject({ DocumentType: 'Automation', DocumentFormat: 'YAML' });
      expect(props(document).Content).toEqual(runbookContent('tag-ec2-resource'));
    }
  });

  it('GOV-1: the tagging role is trusted by SSM automations of this account only, and may set the purpose tag and nothing else', () => {
    const { remediation } = ruleAndRemediation(other, 'hello-required-tags');
    const { trust, statements } = remediationRole(other, remediation);
    expect(trust).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'ssm.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': PRIMARY },
            ArnLike: { 'aws:SourceArn': `arn:aws:ssm:eu-west-1:${PRIMARY}:automation-execution/*` },
          },
        },
      ],
    });
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: [
          `arn:aws:ec2:eu-west-1:${PRIMARY}:instance/*`,
          `arn:aws:ec2:eu-west-1:${PRIMARY}:volume/*`,
        ],
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['purpose'] } },
      },
      { Effect: 'Allow', Action: 'ec2:DescribeTags', Resource: '*' },
    ]);
  });

  it('GOV-2: the KMS default-encryption rule covers buckets, fixed automatically by our runbook that spares log buckets', () => {
    for (const template of [home, other, recovery]) {
      const { rule, remediation } = ruleAndRemediation(template, 'hello-s3-default-encryption-kms');
      expect(rule).toMatchObject({
        Source: { Owner: 'AWS', SourceIdentifier: 'S3_DEFAULT_ENCRYPTION_KMS' },
        Scope: { ComplianceResourceTypes: ['AWS::S3::Bucket'] },
      });
      expect(remediation).toMatchObject(RETRIES);
      expect(remediation.Parameters).toMatchObject({
        BucketName: { ResourceValue: { Value: 'RESOURCE_ID' } },
        ExemptTagKey: { StaticValue: { Values: ['log-delivery'] } },
      });
      expect(props(template.Resources[target(remediation.TargetId) ?? '']).Content).toEqual(
        runbookContent('encrypt-bucket'),
      );
      const { statements } = remediationRole(template, remediation);
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['s3:GetBucketTagging', 's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration'],
          Resource: 'arn:aws:s3:::*',
        },
      ]);
    }
  });

  it('GOV-2: the access-log bucket carries the exemption tag (its logs need SSE-S3), no other bucket does', () => {
    const foundation = json(`Hello-Foundation-${HOME}`);
    const exempt = resources(foundation, 'AWS::S3::Bucket')
      .filter(([, b]) =>
        (props(b).Tags as unknown[]).some(
          (t) => JSON.stringify(t) === '{"Key":"log-delivery","Value":"true"}',
        ),
      )
      .map(([id, b]) => [id.replace(/[0-9A-F]{8}$/, ''), props(b).BucketEncryption]);
    expect(exempt).toEqual([
      [
        'AccessLogsBucket',
        {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      ],
    ]);
    const config = resources(home, 'AWS::S3::Bucket');
    expect(config.every(([, b]) => !JSON.stringify(props(b).Tags).includes('log-delivery'))).toBe(true);
  });

  it('GOV-3: only the home region of each account judges customer managed policies (IAM is global), and detaches an administrator policy automatically', () => {
    for (const template of [home, recovery]) {
      const { rule, remediation } = ruleAndRemediation(
        template,
        'hello-iam-policy-no-statements-with-admin-access',
      );
      expect(rule).toMatchObject({
        Source: { Owner: 'AWS', SourceIdentifier: 'IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS' },
        Scope: { ComplianceResourceTypes: ['AWS::IAM::Policy'] },
      });
      expect(remediation).toMatchObject({ ...RETRIES, TargetId: 'AWSConfigRemediation-DetachIAMPolicy' });
      expect(remediation.Parameters).toMatchObject({
        IAMResourceId: { ResourceValue: { Value: 'RESOURCE_ID' } },
      });
      const actions = remediationRole(template, remediation).statements.flatMap((s) => [s.Action].flat());
      expect(actions.sort()).toEqual([
        'config:GetResourceConfigHistory',
        'config:ListDiscoveredResources',
        'iam:DetachGroupPolicy',
        'iam:DetachRolePolicy',
        'iam:DetachUserPolicy',
        'iam:GetPolicy',
        'iam:ListEntitiesForPolicy',
        'ssm:GetAutomationExecution',
        'ssm:StartAutomationExecution',
      ]);
    }
    expect(resources(other, 'AWS::Config::ConfigRule').map(([, r]) => props(r).ConfigRuleName)).toEqual([
      'hello-required-tags',
      'hello-s3-default-encryption-kms',
    ]);
  });

  it('GOV-5: each site records exactly what its rules evaluate, continuously, into a KMS-encrypted bucket, before any rule exists', () => {
    const expected = [
      [home, ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::S3::Bucket', 'AWS::IAM::Policy']],
      [other, ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::S3::Bucket']],
      [recovery, ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::S3::Bucket', 'AWS::IAM::Policy']],
    ] as const;
    for (const [template, types] of expected) {
      const [recorderId, recorder] = only(template, 'AWS::Config::ConfigurationRecorder');
      expect(props(recorder)).toMatchObject({
        RecordingGroup: {
          AllSupported: false,
          IncludeGlobalResourceTypes: false,
          RecordingStrategy: { UseOnly: 'INCLUSION_BY_RESOURCE_TYPES' },
          ResourceTypes: types,
        },
        RecordingMode: { RecordingFrequency: 'CONTINUOUS' },
      });
      const [channelId, channel] = only(template, 'AWS::Config::DeliveryChannel');
      const bucket = template.Resources[target(props(channel).S3BucketName) ?? ''];
      expect(props(bucket).BucketEncryption).toMatchObject({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      });
      expect(props(channel).S3KmsKeyArn).toBeDefined();
      for (const [, rule] of resources(template, 'AWS::Config::ConfigRule')) {
        expect(rule.DependsOn).toEqual(expect.arrayContaining([recorderId, channelId]));
      }
      const role = template.Resources[target(props(recorder).RoleARN) ?? ''];
      expect(props(role).AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Principal: { Service: 'config.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\d{12}$/) } },
          },
        ],
      });
    }
  });

  it('GOV-5: the primary home region aggregates both accounts over all regions; the recovery account authorizes it', () => {
    const [, aggregator] = only(home, 'AWS::Config::ConfigurationAggregator');
    expect(props(aggregator).AccountAggregationSources).toEqual([
      { AccountIds: [PRIMARY, RECOVERY], AllAwsRegions: true },
    ]);
    expect(resources(other, 'AWS::Config::ConfigurationAggregator')).toEqual([]);
    const [, authorization] = only(recovery, 'AWS::Config::AggregationAuthorization');
    expect(props(authorization)).toMatchObject({ AuthorizedAccountId: PRIMARY, AuthorizedAwsRegion: HOME });
  });

  it('GOV-5: with an existing recorder the rules stand alone and no second recorder is attempted', () => {
    const config = parseConfig({ compliance: { recorder: 'existing' } });
    const { json: existing } = compose(config, isOther);
    const template = existing('Hello-Governance-eu-west-1');
    expect(resources(template, 'AWS::Config::ConfigurationRecorder')).toEqual([]);
    expect(resources(template, 'AWS::Config::DeliveryChannel')).toEqual([]);
    expect(resources(template, 'AWS::Config::ConfigRule')).toHaveLength(2);
  });
});

/** The statements of every inline policy attached to the role `roleId`. */
function statementsOf(template: TemplateJson, roleId: string): Record<string, unknown>[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => target(r) === roleId))
    .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

/** The patching rule, its one target, and what the target sends for `event` (the input transformer applied). */
function patching(template: TemplateJson) {
  const [, rule] = only(template, 'AWS::Events::Rule', (r) =>
    JSON.stringify(props(r).EventPattern).includes('aws.inspector2'),
  );
  const [ruleTarget] = props(rule).Targets as {
    Arn: unknown;
    RoleArn: unknown;
    InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: unknown };
  }[];
  if (ruleTarget === undefined) throw new Error('the patching rule has no target');
  const send = (event: unknown) => {
    let text = flatten(ruleTarget.InputTransformer.InputTemplate);
    for (const [name, path] of Object.entries(ruleTarget.InputTransformer.InputPathsMap)) {
      const [value] = select(event, path);
      text = text.replaceAll(`<${name}>`, JSON.stringify(value));
    }
    return JSON.parse(text) as Record<string, string[]>;
  };
  return { pattern: props(rule).EventPattern, target: ruleTarget, send };
}

describe('Inspector in each site', () => {
  it('GOV-4: EC2, ECR and Lambda scanning are each turned on by a custom resource, one after another', () => {
    for (const template of [home, other, recovery]) {
      const scans = resources(template, 'Custom::InspectorScanning');
      expect(scans.map(([, r]) => props(r).ScanType)).toEqual(['EC2', 'ECR', 'LAMBDA']);
      expect(scans[1]?.[1].DependsOn).toEqual(expect.arrayContaining([scans[0]?.[0]]));
      expect(scans[2]?.[1].DependsOn).toEqual(expect.arrayContaining([scans[1]?.[0]]));
      const [functionId, fn] = only(template, 'AWS::Lambda::Function', (f) =>
        String(props(f).Description).startsWith('Turns Amazon Inspector scanning on'),
      );
      expect(functionId).toBeTruthy();
      const statements = statementsOf(template, target(props(fn).Role) ?? '');
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: expect.arrayContaining([
              'inspector2:BatchGetAccountStatus',
              'inspector2:Enable',
              'inspector2:Disable',
            ]),
            Resource: '*',
          },
          expect.objectContaining({
            Action: 'iam:CreateServiceLinkedRole',
            Condition: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
          }),
        ]),
      );
    }
  });

  it('GOV-4: high and critical active findings on an instance of the account start patching; a medium one, another account’s, an image’s, a closed one or a Config change do not', () => {
    const { pattern } = patching(other);
    const account = PRIMARY;
    expect(matchesPattern(pattern, inspectorFinding({ account, severity: 'HIGH' }))).toBe(true);
    expect(matchesPattern(pattern, inspectorFinding({ account, severity: 'CRITICAL' }))).toBe(true);
    const misses = {
      medium: inspectorFinding({ account, severity: 'MEDIUM' }),
      otherAccount: inspectorFinding({ account: '999999999999', severity: 'CRITICAL' }),
      image: inspectorFinding({
        account,
        severity: 'CRITICAL',
        resourceType: 'AWS_ECR_CONTAINER_IMAGE',
        resourceId: 'arn:aws:ecr:us-east-1:111111111111:repository/hello/sha256:5b2e',
      }),
      closed: inspectorFinding({ account, severity: 'HIGH', status: 'CLOSED' }),
      configChange: complianceChange('AWS::EC2::Instance', 'i-0c2a343f1948d5205', account),
    };
    for (const [name, event] of Object.entries(misses)) {
      expect({ name, matched: matchesPattern(pattern, event) }).toEqual({ name, matched: false });
    }
  });

  it('GOV-4: the rule starts our patching runbook with the finding’s instance id and the runbook’s own role', () => {
    const { target: ruleTarget, send } = patching(other);
    const documentId = /automation-definition\/<Ref:(\w+)>:\$DEFAULT$/.exec(flatten(ruleTarget.Arn))?.[1];
    const document = other.Resources[documentId ?? ''];
    expect(props(document).Content).toEqual(runbookContent('patch-instance'));
    const sent = send(inspectorFinding({ account: PRIMARY, severity: 'CRITICAL' }));
    expect(sent.InstanceId).toEqual(['i-0c2a343f1948d5205']);
    const automationRoleId = /^<(\w+)\.Arn>$/.exec(sent.AutomationAssumeRole?.[0] ?? '')?.[1] ?? '';
    expect(Object.keys(sent).sort()).toEqual(
      Object.keys((runbookContent('patch-instance') as { parameters: object }).parameters)
        .filter((p) => p !== 'RebootOption')
        .sort(),
    );
    expect(props(other.Resources[automationRoleId]).AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'ssm.amazonaws.com' } }],
    });
    expect(statementsOf(other, automationRoleId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'ssm:SendCommand',
          Resource: expect.arrayContaining([
            'arn:aws:ssm:eu-west-1::document/AWS-RunPatchBaseline',
            `arn:aws:ec2:eu-west-1:${PRIMARY}:instance/*`,
          ]),
        }),
      ]),
    );
  });

  it('GOV-4: EventBridge may start only that runbook and pass only its role, to Systems Manager', () => {
    const { target: ruleTarget, send } = patching(other);
    const startRoleId = target(ruleTarget.RoleArn) ?? '';
    expect(props(other.Resources[startRoleId]).AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'events.amazonaws.com' } }],
    });
    const documentRef = /automation-definition\/(<Ref:\w+>):/.exec(flatten(ruleTarget.Arn))?.[1];
    const automationRole = send(inspectorFinding({ account: PRIMARY })).AutomationAssumeRole?.[0];
    const statements = statementsOf(other, startRoleId).map((s) => ({
      Action: s.Action,
      Resource: flatten(s.Resource),
      Condition: s.Condition,
    }));
    expect(statements).toEqual([
      {
        Action: 'ssm:StartAutomationExecution',
        Resource: `arn:aws:ssm:eu-west-1:${PRIMARY}:automation-definition/${documentRef}:*`,
        Condition: undefined,
      },
      {
        Action: 'iam:PassRole',
        Resource: automationRole,
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
    ]);
  });

  it('GOV-4: a failed patch run raises the region’s alarm', () => {
    const [, alarm] = only(other, 'AWS::CloudWatch::Alarm', (a) =>
      JSON.stringify(props(a)).includes('InspectorPatches'),
    );
    expect(props(alarm)).toMatchObject({
      Namespace: 'Hello/Governance',
      MetricName: 'InspectorPatches',
      Dimensions: [{ Name: 'Outcome', Value: 'Failed' }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    expect((props(alarm).AlarmActions as unknown[]).length).toBe(1);
  });
});

describe('the account trail', () => {
  it('GOV-5: each account’s home region has a multi-region trail with log file validation, encrypted with a key of its own stack', () => {
    for (const template of [home, recovery]) {
      const [, trail] = only(template, 'AWS::CloudTrail::Trail');
      expect(props(trail)).toMatchObject({
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        IsLogging: true,
      });
      const keyId = target(props(trail).KMSKeyId) ?? '';
      const key = template.Resources[keyId];
      expect(key?.Type).toBe('AWS::KMS::Key');
      expect(props(key).EnableKeyRotation).toBe(true);
      const grants = (props(key).KeyPolicy as { Statement: Record<string, unknown>[] }).Statement.filter(
        (s) => JSON.stringify(s.Principal) === '{"Service":"cloudtrail.amazonaws.com"}',
      );
      expect(grants.map((s) => s.Action)).toEqual(['kms:GenerateDataKey*', 'kms:DescribeKey']);
      for (const grant of grants) {
        expect(
          flatten(
            (grant.Condition as { StringEquals: Record<string, unknown> }).StringEquals['aws:SourceArn'],
          ),
        ).toMatch(/^arn:aws:cloudtrail:us-east-[12]:\d{12}:trail\/hello-estate$/);
      }
      const bucket = template.Resources[target(props(trail).S3BucketName) ?? ''];
      expect(props(bucket).BucketEncryption).toMatchObject({
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      });
    }
    expect(resources(other, 'AWS::CloudTrail::Trail')).toEqual([]);
  });

  it('GOV-5: no trail of the estate’s own when an organization trail already covers the accounts', () => {
    const config = parseConfig({ compliance: { organizationTrail: true } });
    const { json: covered } = compose(config, isHome);
    expect(resources(covered(`Hello-Governance-${HOME}`), 'AWS::CloudTrail::Trail')).toEqual([]);
  });
});
