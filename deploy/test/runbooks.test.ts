import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand,
  DescribeTagsCommand,
  EC2Client,
  type Filter,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  PutBucketEncryptionCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_DELIVERY_TAG, REQUIRED_TAG } from '../../infra/lib/constructs/governance/compliance-rules.ts';
import { complianceChange, inspectorFinding } from '../../infra/test/support/events.ts';
import { loadRunbook, runAutomation, runbookProblems, select } from './support/automation.ts';

const ROLE = 'arn:aws:iam::111111111111:role/Hello-Governance-us-east-1-RulesTaggingRole';
const RUNBOOKS = ['tag-ec2-resource', 'encrypt-bucket', 'patch-instance'] as const;

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const cloudwatch = mockClient(CloudWatchClient);
const clients = () => ({
  cloudwatch: new CloudWatchClient({}),
  ec2: new EC2Client({}),
  s3: new S3Client({}),
  ssm: new SSMClient({}),
});
afterEach(() => {
  cloudwatch.reset();
  ec2.reset();
  s3.reset();
  ssm.reset();
});

describe.each(RUNBOOKS)('the %s runbook', (name) => {
  it('GOV-5: is an Automation document Systems Manager accepts: schema 0.3, typed parameters, known actions, jumps and references that resolve', () => {
    const doc = loadRunbook(name);
    expect(runbookProblems(doc)).toEqual([]);
    expect(doc.parameters.AutomationAssumeRole?.type).toBe('String');
  });
});

describe('the shape check itself', () => {
  it('GOV-5: refuses a runbook that jumps to a missing step, uses an unknown action or refers to nothing', () => {
    const doc = loadRunbook('encrypt-bucket');
    const broken = {
      ...doc,
      schemaVersion: '0.2',
      mainSteps: [
        { ...doc.mainSteps[0], onFailure: 'step:Nowhere' },
        { name: 'Run', action: 'aws:executeScript', inputs: { Runtime: 'python3.11' } },
        { name: 'Read', action: 'aws:sleep', inputs: { Duration: '{{ Missing.Output }}' } },
      ],
    } as typeof doc;
    expect(runbookProblems(broken)).toEqual([
      'schemaVersion is 0.2, expected 0.3',
      'step CheckExemption jumps to Exempt',
      'step CheckExemption jumps to Nowhere',
      'step Run: unsupported action aws:executeScript',
      'step Read refers to Missing.Output, which is neither a parameter nor an earlier output',
    ]);
  });

  it('GOV-2: selects a tag value by key the way the exemption check reads it', () => {
    const tags = {
      TagSet: [
        { Key: 'a', Value: '1' },
        { Key: 'log-delivery', Value: 'true' },
      ],
    };
    expect(select(tags, "$.TagSet[?(@.Key == 'log-delivery')].Value")).toEqual(['true']);
    expect(select(tags, '$.TagSet[0].Key')).toEqual(['a']);
    expect(() => select(tags, '$..Key')).toThrow(/unsupported selector/);
  });
});

/** EC2's tags, kept per resource id, answering CreateTags and DescribeTags as EC2 does. */
function fakeEc2Tags(initial: Record<string, Tag[]>) {
  const tags = new Map(Object.entries(initial).map(([id, list]) => [id, [...list]]));
  ec2.on(CreateTagsCommand).callsFake((input: { Resources: string[]; Tags: Tag[] }) => {
    for (const id of input.Resources) {
      const list = tags.get(id);
      if (list === undefined) throw new Error(`InvalidID: ${id}`);
      for (const tag of input.Tags) {
        const existing = list.find((t) => t.Key === tag.Key);
        if (existing === undefined) list.push({ ...tag });
        else existing.Value = tag.Value;
      }
    }
    return {};
  });
  ec2.on(DescribeTagsCommand).callsFake((input: { Filters: Filter[] }) => {
    const values = (name: string) => input.Filters.find((f) => f.Name === name)?.Values ?? [];
    const ids = values('resource-id');
    const keys = values('key');
    return {
      Tags: [...tags.entries()]
        .filter(([id]) => ids.includes(id))
        .flatMap(([id, list]) =>
          list.filter((t) => keys.includes(t.Key ?? '')).map((t) => ({ ResourceId: id, ...t })),
        ),
    };
  });
  return tags;
}

/** The parameters Config passes: the remediation's static values, and the resource id of the event. */
function remediationParameters(resourceId: string): Record<string, string> {
  return {
    ResourceId: resourceId,
    TagKey: REQUIRED_TAG.key,
    TagValue: REQUIRED_TAG.value,
    AutomationAssumeRole: ROLE,
  };
}

describe('the tagging runbook (required-tags remediation)', () => {
  const doc = loadRunbook('tag-ec2-resource');

  it('GOV-1: tags exactly the instance Config names, and nothing else', async () => {
    const event = complianceChange('AWS::EC2::Instance', 'i-0a1b2c3d4e5f60718');
    const tags = fakeEc2Tags({
      'i-0a1b2c3d4e5f60718': [{ Key: 'Name', Value: 'launched-by-hand' }],
      'i-0ffffffffffffffff': [],
      'vol-0123456789abcdef0': [],
    });
    const result = await runAutomation(doc, remediationParameters(event.detail.resourceId), clients());
    expect(result.status).toBe('Success');
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: ['i-0a1b2c3d4e5f60718'], Tags: [{ Key: 'purpose', Value: 'DevOps exam' }] },
    ]);
    expect(tags.get('i-0a1b2c3d4e5f60718')).toEqual([
      { Key: 'Name', Value: 'launched-by-hand' },
      { Key: 'purpose', Value: 'DevOps exam' },
    ]);
    expect(tags.get('i-0ffffffffffffffff')).toEqual([]);
    expect(tags.get('vol-0123456789abcdef0')).toEqual([]);
  });

  it('GOV-1: also tags a volume Config names, and fixes a wrong value of the tag', async () => {
    const event = complianceChange('AWS::EC2::Volume', 'vol-0123456789abcdef0');
    const tags = fakeEc2Tags({ 'vol-0123456789abcdef0': [{ Key: 'purpose', Value: 'demo' }] });
    const result = await runAutomation(doc, remediationParameters(event.detail.resourceId), clients());
    expect(result.status).toBe('Success');
    expect(tags.get('vol-0123456789abcdef0')).toEqual([{ Key: 'purpose', Value: 'DevOps exam' }]);
  });

  it('GOV-5: running it again (a retry of Config) leaves the same tags and succeeds', async () => {
    const tags = fakeEc2Tags({ 'i-0a1b2c3d4e5f60718': [] });
    const parameters = remediationParameters('i-0a1b2c3d4e5f60718');
    await runAutomation(doc, parameters, clients());
    const once = JSON.stringify([...tags.entries()]);
    const again = await runAutomation(doc, parameters, clients());
    expect(again.status).toBe('Success');
    expect(JSON.stringify([...tags.entries()])).toBe(once);
  });

  it('GOV-5: fails, so Config retries, when the tag did not stick', async () => {
    ec2.on(CreateTagsCommand).resolves({});
    ec2.on(DescribeTagsCommand).resolves({ Tags: [] });
    const result = await runAutomation(doc, remediationParameters('i-0a1b2c3d4e5f60718'), clients());
    expect(result.status).toBe('Failed');
    expect(result.steps.at(-1)).toMatchObject({ name: 'Verify', status: 'Failed' });
  });

  it('GOV-1: refuses an id that is not an instance or a volume before calling EC2', async () => {
    await expect(
      runAutomation(doc, remediationParameters('sg-0123456789abcdef0'), clients()),
    ).rejects.toThrow(/ResourceId/);
    expect(ec2.calls()).toHaveLength(0);
  });
});

/** S3's answer to GetBucketTagging on a bucket without tags. */
function noSuchTagSet(): S3ServiceException {
  return new S3ServiceException({
    name: 'NoSuchTagSet',
    $fault: 'client',
    $metadata: { httpStatusCode: 404 },
    message: 'The TagSet does not exist',
  });
}

describe('the encryption runbook (s3-default-encryption-kms remediation)', () => {
  const doc = loadRunbook('encrypt-bucket');
  const parameters = (bucket: string) => ({
    BucketName: bucket,
    ExemptTagKey: LOG_DELIVERY_TAG.key,
    AutomationAssumeRole: ROLE,
  });
  const kms = {
    ServerSideEncryptionConfiguration: {
      Rules: [
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const }, BucketKeyEnabled: true },
      ],
    },
  };

  it('GOV-2: encrypts the bucket Config names with KMS and a bucket key, and only that bucket', async () => {
    s3.on(GetBucketTaggingCommand).rejects(noSuchTagSet());
    s3.on(PutBucketEncryptionCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves(kms);
    const event = complianceChange('AWS::S3::Bucket', 'made-by-hand-2026');
    const result = await runAutomation(doc, parameters(event.detail.resourceId), clients());
    expect(result.status).toBe('Success');
    expect(s3.commandCalls(PutBucketEncryptionCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'made-by-hand-2026', ...kms },
    ]);
  });

  it('GOV-2: encrypts a tagged bucket whose tags do not exempt it', async () => {
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'log-delivery', Value: 'false' }] });
    s3.on(PutBucketEncryptionCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves(kms);
    const result = await runAutomation(doc, parameters('made-by-hand-2026'), clients());
    expect(result.status).toBe('Success');
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
  });

  it('GOV-2: leaves an access-log bucket on SSE-S3, which log delivery requires', async () => {
    s3.on(GetBucketTaggingCommand).resolves({
      TagSet: [
        { Key: 'purpose', Value: 'DevOps exam' },
        { Key: LOG_DELIVERY_TAG.key, Value: LOG_DELIVERY_TAG.value },
      ],
    });
    const result = await runAutomation(doc, parameters('hello-foundation-accesslogs'), clients());
    expect(result.status).toBe('Success');
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(0);
  });

  it('GOV-2: fails, so Config retries, when S3 refuses the change', async () => {
    s3.on(GetBucketTaggingCommand).rejects(noSuchTagSet());
    s3.on(PutBucketEncryptionCommand).rejects(new Error('AccessDenied'));
    const result = await runAutomation(doc, parameters('made-by-hand-2026'), clients());
    expect(result.status).toBe('Failed');
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(3);
  });
});

describe('the patching runbook (high and critical Inspector findings on an instance)', () => {
  const doc = loadRunbook('patch-instance');
  const PATCH_ROLE = 'arn:aws:iam::111111111111:role/Hello-Governance-us-east-1-PatchingAutomationRole';
  // The rule's input transformer passes the finding's detail.resources[0].id as InstanceId.
  const instanceId = inspectorFinding({ severity: 'CRITICAL' }).detail.resources[0]?.id as string;
  const outcomes = () =>
    cloudwatch.commandCalls(PutMetricDataCommand).map((c) => ({
      namespace: c.args[0].input.Namespace,
      metric: c.args[0].input.MetricData?.[0]?.MetricName,
      outcome: c.args[0].input.MetricData?.[0]?.Dimensions?.[0]?.Value,
    }));
  const commandEnds = (Status: 'Success' | 'Failed' | 'TimedOut') => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c0ffee00-1234-4abc-9def-0123456789ab' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status });
    cloudwatch.on(PutMetricDataCommand).resolves({});
  };

  it('GOV-4: runs AWS-RunPatchBaseline (Install) on exactly the instance the finding names, then records Patched', async () => {
    commandEnds('Success');
    const result = await runAutomation(
      doc,
      { InstanceId: instanceId, AutomationAssumeRole: PATCH_ROLE },
      clients(),
    );
    expect(result.status).toBe('Success');
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([
      {
        DocumentName: 'AWS-RunPatchBaseline',
        InstanceIds: [instanceId],
        Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
      },
    ]);
    expect(outcomes()).toEqual([
      { namespace: 'Hello/Governance', metric: 'InspectorPatches', outcome: 'Patched' },
    ]);
  });

  it.each(['Failed', 'TimedOut'] as const)(
    'GOV-4: a patch run that ends %s is recorded as Failed and fails the automation',
    async (status) => {
      commandEnds(status);
      const result = await runAutomation(
        doc,
        { InstanceId: instanceId, AutomationAssumeRole: PATCH_ROLE },
        clients(),
      );
      expect(result.status).toBe('Failed');
      expect(outcomes()).toEqual([
        { namespace: 'Hello/Governance', metric: 'InspectorPatches', outcome: 'Failed' },
      ]);
    },
  );

  it('GOV-4: refuses anything but an instance id before sending a command', async () => {
    commandEnds('Success');
    const image = 'arn:aws:ecr:us-east-1:111111111111:repository/hello/sha256:5b2e';
    await expect(
      runAutomation(doc, { InstanceId: image, AutomationAssumeRole: PATCH_ROLE }, clients()),
    ).rejects.toThrow(/InstanceId/);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});
