import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EstateConfig, estateSites, parseConfig } from '../../../../config/index.ts';
import { createEstateApp } from '../../../../lib/app.ts';
import { FoundationStack } from '../../../../lib/stacks/foundation-stack.ts';
import { ReleaseStack } from '../../../../lib/stacks/release-stack.ts';

/** The release stack of one region, composed on its foundation only (the engines are read by name). */
function releaseOf(config: EstateConfig, region: string, engineAlarm?: string) {
  const app = createEstateApp({ builtinValidation: false });
  const site = estateSites(config).find((s) => s.role === 'primary' && s.region === region);
  if (site === undefined) throw new Error(`no site in ${region}`);
  const foundation = new FoundationStack(app, { config, site });
  const alarms =
    engineAlarm === undefined ? [] : [cloudwatch.Alarm.fromAlarmName(foundation, 'Engine', engineAlarm)];
  const stack = new ReleaseStack(app, { config, site, foundation, alarms });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as {
    Parameters: Record<string, { Type: string; Default: string }>;
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const only = (type: string) => {
    const found = Object.entries(json.Resources).filter(([, r]) => r.Type === type);
    expect(found).toHaveLength(1);
    return found[0] as [string, { Properties: Record<string, unknown> }];
  };
  /** The SSM parameter name a `{ Ref }` resolves at deploy time. */
  const parameter = (ref: unknown) => json.Parameters[(ref as { Ref: string }).Ref];
  return { stack, template, json, only, parameter, foundation };
}

const home = releaseOf(DEFAULT_CONFIG, 'us-east-1');
const sydney = releaseOf(DEFAULT_CONFIG, 'ap-southeast-2');

describe('UserPathCanary in each engine region', () => {
  it("CICD-11: us-east-1 walks the fleet and the ASG through the load balancers' published names, resolved at deploy time", () => {
    const [, canary] = home.only('AWS::Synthetics::Canary');
    const variables = (canary.Properties.RunConfig as { EnvironmentVariables: Record<string, unknown> })
      .EnvironmentVariables;
    expect(Object.keys(variables)).toEqual(['ENDPOINT_FLEET', 'ENDPOINT_ASG']);
    for (const [variable, engine] of [
      ['ENDPOINT_FLEET', 'fleet'],
      ['ENDPOINT_ASG', 'asg'],
    ] as const) {
      const [, parts] = (variables[variable] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      expect(parts[0]).toBe('http://');
      expect(parts[2]).toBe('/');
      expect(home.parameter(parts[1])).toEqual({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: `/hello/us-east-1/${engine}/load-balancer-dns`,
      });
    }
  });

  it("CICD-11: ap-southeast-2 walks the serverless engine through its API's published URL", () => {
    const [, canary] = sydney.only('AWS::Synthetics::Canary');
    const variables = (canary.Properties.RunConfig as { EnvironmentVariables: Record<string, unknown> })
      .EnvironmentVariables;
    expect(Object.keys(variables)).toEqual(['ENDPOINT_SERVERLESS']);
    expect(sydney.parameter(variables.ENDPOINT_SERVERLESS)?.Default).toBe(
      '/hello/ap-southeast-2/serverless/api-endpoint',
    );
  });

  it('CICD-11: runs our script on the browserless Node.js runtime every 5 minutes (config), from outside any VPC', () => {
    home.template.hasResourceProperties('AWS::Synthetics::Canary', {
      Name: 'hello-user-path',
      RuntimeVersion: 'syn-nodejs-4.1',
      Code: {
        Handler: 'index.handler',
        S3Bucket: Match.anyValue(),
        S3Key: Match.stringLikeRegexp('\\.zip$'),
      },
      Schedule: { Expression: 'rate(5 minutes)' },
      RunConfig: Match.objectLike({ TimeoutInSeconds: 60 }),
      StartCanaryAfterCreation: true,
      ProvisionedResourceCleanup: 'AUTOMATIC',
      VPCConfig: Match.absent(),
    });
  });

  it('CICD-11: one failed run alarms, notifies the alarm topic and puts the release watch in ALARM', () => {
    const [alarmId, alarm] = home.only('AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'CloudWatchSynthetics',
      MetricName: 'SuccessPercent',
      Dimensions: [{ Name: 'CanaryName', Value: { Ref: expect.any(String) } }],
      Statistic: 'Minimum',
      Period: 300,
      Threshold: 100,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    // The foundation's alarm topic, read from its stack output.
    expect(alarm.Properties.AlarmActions).toEqual([
      {
        'Fn::GetStackOutput': expect.objectContaining({
          StackName: home.foundation.stackName,
          OutputName: expect.stringMatching(/AlarmsTopic/),
        }),
      },
    ]);
    const [, watch] = home.only('AWS::CloudWatch::CompositeAlarm');
    expect(watch.Properties.AlarmName).toBe('Hello-release-watch-us-east-1');
    expect(JSON.stringify(watch.Properties.AlarmRule)).toContain(`"${alarmId}","Arn"`);
  });

  it('CICD-11: its artifacts go to a bucket of their own under the estate key, expiring after 30 days', () => {
    const [bucketId] = Object.entries(home.json.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::S3::Bucket' && String(r.Properties.BucketName).startsWith('hello-canary-artifacts-'),
    ) ?? [''];
    expect(bucketId).not.toBe('');
    home.template.hasResourceProperties('AWS::Synthetics::Canary', {
      ArtifactS3Location: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/runs']] },
    });
    expect(home.json.Resources[bucketId]?.Properties).toMatchObject({
      BucketName: 'hello-canary-artifacts-111111111111-us-east-1',
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } },
        ],
      },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    });
  });

  it("CICD-11: its role writes the canary's logs, its metrics and its run objects only, the key only through S3", () => {
    const [roleId] = home.only('AWS::IAM::Role');
    const [, policy] = home.only('AWS::IAM::Policy');
    expect(policy.Properties.Roles).toEqual([{ Ref: roleId }]);
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const text = JSON.stringify(statements);
    expect(statements.map((s) => s.Action)).toEqual([
      's3:PutObject',
      's3:GetBucketLocation',
      's3:ListAllMyBuckets',
      'cloudwatch:PutMetricData',
      ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      ['kms:Decrypt', 'kms:GenerateDataKey'],
    ]);
    expect(statements[0]?.Resource).toEqual({ 'Fn::Join': ['', [expect.anything(), '/runs/*']] });
    expect(statements[3]?.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' },
    });
    expect(text).toContain(':log-group:/aws/lambda/cwsyn-hello-user-path-*');
    expect(statements[5]?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    });
    expect(text).not.toMatch(/"(s3|logs|kms):\*"/);
  });

  it('CICD-11: with pipeline.canary off, no canary runs and the watch keeps the engines alone', () => {
    const config = parseConfig({ pipeline: { canary: { enabled: false } } });
    const off = releaseOf(config, 'us-east-1', 'fleet-rollback');
    expect(Object.values(off.json.Resources).map((r) => r.Type)).not.toContain('AWS::Synthetics::Canary');
    const [, watch] = off.only('AWS::CloudWatch::CompositeAlarm');
    expect(JSON.stringify(watch.Properties.AlarmRule)).toContain('alarm:fleet-rollback');
    expect(JSON.stringify(watch.Properties.AlarmRule)).not.toContain('user-path');
  });

  it('CICD-11: the interval comes from config, and the alarm looks at one interval', () => {
    const every2 = releaseOf(parseConfig({ pipeline: { canary: { intervalMinutes: 2 } } }), 'eu-west-1');
    every2.template.hasResourceProperties('AWS::Synthetics::Canary', {
      Schedule: { Expression: 'rate(2 minutes)' },
    });
    every2.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SuccessPercent',
      Period: 120,
    });
  });
});
