import { BackupClient } from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import {
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteParametersCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executePlan, formatSummary, type TeardownDeps, TeardownError } from '../../teardown/execute.ts';
import { type PlanInput, teardownPlan } from '../../teardown/plan.ts';

const PRIMARY = '111111111111';
const RECOVERY = '222222222222';
const START = new Date('2026-03-02T10:00:00Z');
const config = {
  appName: 'Hello',
  profile: 'lab',
  accounts: { primary: PRIMARY, recovery: RECOVERY },
  recoveryRegion: 'us-east-2',
};

const bucket = (name?: string) => ({
  Type: 'AWS::S3::Bucket',
  DeletionPolicy: 'Retain',
  ...(name ? { Properties: { BucketName: name } } : {}),
});
const key = { Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain' };

/** A small estate: a foundation per account, a database on the primary one, an app on the database. */
const STACKS: PlanInput[] = [
  {
    name: 'Hello-Foundation',
    account: PRIMARY,
    region: 'us-east-1',
    dependsOn: [],
    template: { Resources: { Logs: bucket(), Key: key } },
  },
  {
    name: 'Hello-Recovery-Foundation',
    account: RECOVERY,
    region: 'us-east-2',
    dependsOn: [],
    template: { Resources: { Replica: bucket('hello-replica'), Key: key } },
  },
  {
    name: 'Hello-Data',
    account: PRIMARY,
    region: 'us-east-1',
    dependsOn: ['Hello-Foundation'],
    template: {
      Resources: {
        Cluster: {
          Type: 'AWS::RDS::DBCluster',
          DeletionPolicy: 'Snapshot',
          Properties: { DBClusterIdentifier: 'hello-us-east-1' },
        },
      },
    },
  },
  {
    name: 'Hello-App',
    account: PRIMARY,
    region: 'us-east-1',
    dependsOn: ['Hello-Data', 'Hello-Foundation', 'Hello-Recovery-Foundation'],
    template: {
      Resources: {
        Artifacts: bucket('hello-artifacts'),
        Fn: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' },
      },
    },
  },
];
const PHYSICAL: Record<string, Record<string, string>> = {
  'Hello-Foundation': { Logs: 'hello-foundation-logs-abc', Key: 'key-primary' },
  'Hello-Recovery-Foundation': { Replica: 'hello-replica', Key: 'key-recovery' },
  'Hello-Data': { Cluster: 'hello-us-east-1' },
  'Hello-App': { Artifacts: 'hello-artifacts', Fn: '/aws/lambda/hello-fn' },
};

const plan = teardownPlan(STACKS, config);
const PRIMARY_KEY_ARN = `arn:aws:kms:us-east-1:${PRIMARY}:key/key-primary`;
/** What CloudFormation names the snapshot it takes of Hello-Data's Cluster (RDS keeps it in lower case). */
const finalSnapshot = {
  DBClusterSnapshotIdentifier: 'hello-data-snapshot-cluster-a1b2c3d4e5f6',
  DBClusterIdentifier: 'hello-us-east-1',
  AllocatedStorage: 10,
  KmsKeyId: PRIMARY_KEY_ARN,
};
/** An operator's own snapshot of the same cluster. */
const manualSnapshot = {
  DBClusterSnapshotIdentifier: 'hello-before-upgrade',
  DBClusterIdentifier: 'hello-us-east-1',
  AllocatedStorage: 10,
  KmsKeyId: PRIMARY_KEY_ARN,
};
const stackId = (name: string) => `arn:aws:cloudformation:us-east-1:${PRIMARY}:stack/${name}/0000`;
const nameOf = (idOrName: string | undefined) =>
  (idOrName?.includes('/') ? idOrName.split('/')[1] : idOrName) ?? '';
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const missing = (name: string) => awsError('ValidationError', `Stack with id ${name} does not exist`);

let cfn: AwsClientStub<CloudFormationClient>;
let s3: AwsClientStub<S3Client>;
let kms: AwsClientStub<KMSClient>;
let backup: AwsClientStub<BackupClient>;
let rds: AwsClientStub<RDSClient>;
let logs: AwsClientStub<CloudWatchLogsClient>;
let ssm: AwsClientStub<SSMClient>;
const sts = {
  primary: new STSClient({ region: 'us-east-1' }),
  recovery: new STSClient({ region: 'us-east-1' }),
};
let stsMocks: AwsClientStub<STSClient>[];

/** Stacks that exist, those DeleteStack was called on, and those whose deletion fails. */
let live: Set<string>;
let deleteCalls: string[];
let failing: Set<string>;
let log: string[];
let clock: number;

function deps(): TeardownDeps {
  const clients = {
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    kms: new KMSClient({ region: 'us-east-1' }),
    backup: new BackupClient({ region: 'us-east-1' }),
    rds: new RDSClient({ region: 'us-east-1' }),
    logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
  };
  return {
    clients: () => clients,
    sts: (role) => sts[role],
    log: (line) => log.push(line),
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => new Date(clock),
  };
}

/** The name of every command that changes something, across every mocked client. */
function mutations(): string[] {
  const calls: { args: readonly unknown[] }[] = [
    ...cfn.calls(),
    ...s3.calls(),
    ...kms.calls(),
    ...backup.calls(),
    ...rds.calls(),
    ...logs.calls(),
    ...ssm.calls(),
    ...stsMocks.flatMap((m) => m.calls()),
  ];
  return calls
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => /^(Delete|Schedule|Put|Modify|Update)/.test(n));
}

beforeEach(() => {
  clock = START.getTime();
  log = [];
  live = new Set(STACKS.map((s) => s.name));
  deleteCalls = [];
  failing = new Set();
  cfn = mockClient(CloudFormationClient);
  s3 = mockClient(S3Client);
  kms = mockClient(KMSClient);
  backup = mockClient(BackupClient);
  rds = mockClient(RDSClient);
  logs = mockClient(CloudWatchLogsClient);
  ssm = mockClient(SSMClient);
  stsMocks = [mockClient(sts.primary), mockClient(sts.recovery)];
  stsMocks[0]?.on(GetCallerIdentityCommand).resolves({ Account: PRIMARY });
  stsMocks[1]?.on(GetCallerIdentityCommand).resolves({ Account: RECOVERY });

  const polls = new Map<string, number>();
  cfn.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName?: string }) => {
    const name = nameOf(StackName);
    const byId = StackName?.includes('/') ?? false;
    if (!live.has(name)) {
      if (byId) return { Stacks: [{ StackName: name, StackId: StackName, StackStatus: 'DELETE_COMPLETE' }] };
      throw missing(name);
    }
    let status = 'CREATE_COMPLETE';
    if (deleteCalls.includes(name)) {
      // One poll in progress, then the outcome.
      const n = (polls.get(name) ?? 0) + 1;
      polls.set(name, n);
      if (n === 1) status = 'DELETE_IN_PROGRESS';
      else if (failing.has(name)) status = 'DELETE_FAILED';
      else {
        live.delete(name);
        status = 'DELETE_COMPLETE';
      }
    }
    return { Stacks: [{ StackName: name, StackId: stackId(name), StackStatus: status }] };
  });
  cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
  cfn
    .on(DescribeStackResourcesCommand)
    .callsFake(({ StackName, LogicalResourceId }: { StackName?: string; LogicalResourceId?: string }) => ({
      StackResources: Object.entries(PHYSICAL[nameOf(StackName)] ?? {})
        .filter(([l]) => LogicalResourceId === undefined || l === LogicalResourceId)
        .map(([l, p]) => ({ LogicalResourceId: l, PhysicalResourceId: p })),
    }));
  cfn.on(DeleteStackCommand).callsFake(({ StackName }: { StackName?: string }) => {
    deleteCalls.push(nameOf(StackName));
    return {};
  });
  cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

  s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }], IsTruncated: false });
  s3.on(DeleteObjectsCommand).resolves({});
  s3.on(DeleteBucketCommand).resolves({});
  kms.on(DescribeKeyCommand).callsFake(({ KeyId }: { KeyId?: string }) => ({
    KeyMetadata: {
      KeyId,
      Arn: KeyId === 'key-primary' ? PRIMARY_KEY_ARN : `arn:aws:kms:us-east-2:${RECOVERY}:key/${KeyId}`,
      KeyState: 'Enabled',
    },
  }));
  kms
    .on(ScheduleKeyDeletionCommand)
    .callsFake(() => ({ DeletionDate: new Date(clock + 7 * 86_400_000), PendingWindowInDays: 7 }));
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DeletionProtection: false }] });
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [finalSnapshot] });
  logs.on(DeleteLogGroupCommand).resolves({});
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
});

afterEach(() => {
  for (const m of [cfn, s3, kms, backup, rds, logs, ssm]) m.restore();
  for (const m of stsMocks) m.restore();
});

const run = (options: Partial<Parameters<typeof executePlan>[2]> = {}) =>
  executePlan(plan, deps(), { dryRun: false, deleteSnapshots: false, pollMs: 1000, ...options });

describe('executing a teardown plan', () => {
  it('OPS-5: stacks are deleted wave by wave, every stack after the stacks that depend on it', async () => {
    const summary = await run();
    expect(deleteCalls).toHaveLength(4);
    expect(deleteCalls.slice(0, 2)).toEqual(['Hello-App', 'Hello-Data']);
    expect(new Set(deleteCalls.slice(2))).toEqual(new Set(['Hello-Foundation', 'Hello-Recovery-Foundation']));
    expect(log).toContain('[wave 3] Hello-App: deleting… done in 1s');
    // The leftovers come after the last stack is gone.
    const lastDelete = cfn.commandCalls(DeleteStackCommand).at(-1);
    expect(lastDelete).toBeDefined();
    const buckets = s3.commandCalls(DeleteBucketCommand);
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((c) => lastDelete !== undefined && c.calledAfter(lastDelete))).toBe(true);
    expect(s3.commandCalls(DeleteBucketCommand).map((c) => c.args[0].input.Bucket)).toEqual([
      'hello-artifacts',
      'hello-foundation-logs-abc',
      'hello-replica',
    ]);
    expect(logs.commandCalls(DeleteLogGroupCommand)[0]?.args[0].input.logGroupName).toBe(
      '/aws/lambda/hello-fn',
    );
    expect(summary.removed).toEqual(
      expect.arrayContaining([
        'bucket hello-artifacts',
        'bucket hello-foundation-logs-abc',
        'bucket hello-replica',
      ]),
    );
    expect(summary.failed).toEqual([]);
  });

  it('GOV-6: a stack already gone counts as done, and what it kept is still removed', async () => {
    live.delete('Hello-App');
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        {
          StackName: 'Hello-App',
          StackId: stackId('Hello-App'),
          StackStatus: 'DELETE_COMPLETE',
          CreationTime: START,
          DeletionTime: START,
        },
      ],
    });
    await run();
    expect(deleteCalls).not.toContain('Hello-App');
    expect(log).toContain('[wave 3] Hello-App: already gone');
    expect(cfn.commandCalls(DescribeStackResourcesCommand, { StackName: stackId('Hello-App') })).toHaveLength(
      2,
    );
    expect(s3.commandCalls(DeleteBucketCommand, { Bucket: 'hello-artifacts' })).toHaveLength(1);
  });

  it('GOV-6: a second run after a complete one finds nothing and fails on nothing', async () => {
    live.clear();
    s3.on(ListObjectVersionsCommand).rejects(awsError('NoSuchBucket'));
    kms.on(DescribeKeyCommand).rejects(awsError('NotFoundException'));
    logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    const summary = await run();
    expect(deleteCalls).toEqual([]);
    expect(summary).toEqual({ removed: [], scheduled: [], kept: [], failed: [] });
  });

  it('GOV-6: DELETE_FAILED stops the run with the failed resources and their reasons', async () => {
    failing.add('Hello-Data');
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: stackId('Hello-Data'),
          StackName: 'Hello-Data',
          EventId: '2',
          Timestamp: new Date(START.getTime() + 5000),
          LogicalResourceId: 'Cluster',
          ResourceType: 'AWS::RDS::DBCluster',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'Cannot delete protected Cluster',
        },
      ],
    });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeardownError);
    expect((error as Error).message).toMatch(/Hello-Data: DELETE_FAILED/);
    expect((error as Error).message).toMatch(
      /Cluster \(AWS::RDS::DBCluster\): Cannot delete protected Cluster/,
    );
    expect(deleteCalls).toEqual(['Hello-App', 'Hello-Data']);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(0);
  });

  it('GOV-6: a cluster with deletion protection is detected before any stack is deleted', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DeletionProtection: true }] });
    const error = await run({ profiles: { primary: 'prod' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeardownError);
    expect((error as Error).message).toContain(
      'aws rds modify-db-cluster --db-cluster-identifier hello-us-east-1 --no-deletion-protection',
    );
    expect((error as Error).message).toContain('--profile prod');
    expect(mutations()).toEqual([]);
  });

  it('GOV-6: credentials in the wrong account are refused before any call that changes something', async () => {
    stsMocks[1]?.on(GetCallerIdentityCommand).resolves({ Account: PRIMARY });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeardownError);
    expect((error as Error).message).toMatch(
      /recovery credentials are for account 111111111111.*222222222222/,
    );
    expect(mutations()).toEqual([]);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('GOV-6: the dry run sends no Delete or Schedule command, yet reads what is there', async () => {
    await run({ dryRun: true, deleteSnapshots: true });
    expect(mutations()).toEqual([]);
    expect(cfn.commandCalls(DescribeStackResourcesCommand).length).toBeGreaterThan(0);
    expect(log).toContain('[wave 3] Hello-App: would delete (now CREATE_COMPLETE)');
  });

  it('GOV-6: keys are scheduled for deletion in 7 days and the date is reported, once nothing kept needs them', async () => {
    const summary = await run({ deleteSnapshots: true });
    const calls = kms.commandCalls(ScheduleKeyDeletionCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { KeyId: 'key-primary', PendingWindowInDays: 7 },
      { KeyId: 'key-recovery', PendingWindowInDays: 7 },
    ]);
    expect(summary.scheduled.join('\n')).toMatch(/key-primary .*deleted on 2026-03-09/);
  });

  it('GOV-6: the key of a kept final snapshot is kept and listed with it, not scheduled for deletion', async () => {
    const summary = await run();
    expect(kms.commandCalls(ScheduleKeyDeletionCommand).map((c) => c.args[0].input.KeyId)).toEqual([
      'key-recovery',
    ]);
    expect(summary.kept.join('\n')).toMatch(
      /KMS key key-primary .*still encrypts Aurora snapshot hello-data-snapshot-cluster-a1b2c3d4e5f6 .*--delete-protecting-keys/,
    );
  });

  it('GOV-6: --delete-protecting-keys schedules that key too', async () => {
    await run({ deleteProtectingKeys: true });
    expect(kms.commandCalls(ScheduleKeyDeletionCommand).map((c) => c.args[0].input.KeyId)).toEqual([
      'key-primary',
      'key-recovery',
    ]);
  });

  it('GOV-6: the final snapshot is kept and reported unless --delete-snapshots', async () => {
    const kept = await run();
    expect(rds.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
    expect(kept.kept.join('\n')).toMatch(
      /hello-data-snapshot-cluster-a1b2c3d4e5f6 .*storage billed until deleted/,
    );
    expect(formatSummary(kept)).toMatch(/kept: may still bill \(2\)/);
  });

  it("GOV-6: --delete-snapshots deletes the final snapshot the stack made, never an operator's manual snapshot (nor its key)", async () => {
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .resolves({ DBClusterSnapshots: [finalSnapshot, manualSnapshot] });
    const summary = await run({ deleteSnapshots: true });
    expect(rds.commandCalls(DeleteDBClusterSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      { DBClusterSnapshotIdentifier: 'hello-data-snapshot-cluster-a1b2c3d4e5f6' },
    ]);
    expect(summary.kept.join('\n')).toMatch(/hello-before-upgrade .*never deletes it/);
    expect(summary.kept.join('\n')).toMatch(
      /KMS key key-primary .*still encrypts Aurora snapshot hello-before-upgrade/,
    );
  });

  it('GOV-6: AccessDenied on a leftover fails the run (listed as failed), never counts as already gone', async () => {
    kms
      .on(DescribeKeyCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const summary = await run({ deleteSnapshots: true });
    expect(summary.failed).toHaveLength(2);
    expect(summary.failed.join('\n')).toMatch(/AWS::KMS::Key key-primary .*not authorized/);
    expect(log.join('\n')).not.toMatch(/key-primary.*already gone/);
    expect(formatSummary(summary)).toMatch(/failed: run the teardown again \(2\)/);
  });

  it('GOV-6: the parameter copies in the recovery region are deleted ten at a time', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/hello/p${i}`);
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: names.slice(0, 15).map((Name) => ({ Name })), NextToken: 't' })
      .resolves({ Parameters: names.slice(15).map((Name) => ({ Name })) });
    await run();
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]?.args[0].input).toMatchObject({
      Path: '/hello',
      Recursive: true,
    });
    const batches = ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names ?? []);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(names);
  });
});
