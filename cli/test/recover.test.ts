import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  type EstateConfig,
  parseConfig,
  primaryRegions,
  recoveredConfig,
} from '../../infra/config/index.ts';
import { readRestoreSettings } from '../../infra/config/restore.ts';
import { sealValue } from '../../infra/functions/parameter-backup/envelope.ts';
import { createApp } from '../../service/src/app.ts';
import { servedBy } from '../../service/test/support/app.ts';
import { MemoryStore } from '../../service/test/support/memory-store.ts';
import { awsRecoverClients, type RecoverClients, type RegistryImage } from '../recover/clients.ts';
import type { CommandLine } from '../recover/deploy.ts';
import { RECOVER, runRecover } from '../recover.ts';
import { buffer } from './lib/support.ts';

const RECOVERY = 'us-east-2';
const RECOVERY_ACCOUNT = '222222222222';
const NOW = Date.UTC(2026, 11, 5, 4, 0);
const BUCKET = `hello-replica-${RECOVERY_ACCOUNT}-${RECOVERY}`;
const VAULT = `hello-recovery-${RECOVERY}-vault`;
const STANDBY = `hello-standby-releases-${RECOVERY_ACCOUNT}-${RECOVERY}`;
/** The commit of the last release delivered, and the checkout's HEAD unless a test moves it. */
const RELEASED = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const KEY_ARN = `arn:aws:kms:${RECOVERY}:${RECOVERY_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const snapshot = (id: string) =>
  `arn:aws:rds:${RECOVERY}:${RECOVERY_ACCOUNT}:cluster-snapshot:awsbackup:copyjob-${id}`;
const minutesAgo = (m: number) => new Date(NOW - m * 60_000);

// The estate as the recovery account runs it: home in the recovery region, the EC2 engines there.
const CONFIG: EstateConfig = DEFAULT_CONFIG;
const RECOVERED = recoveredConfig(CONFIG);
const REGIONS = primaryRegions(RECOVERED);
const ENGINES = [
  'fleet.us-east-2',
  'asg.us-east-2',
  'beanstalk.eu-west-1',
  'ecs.us-west-2',
  'serverless.ap-southeast-2',
];

// ---------------------------------------------------------------------------------------------------------
// The recovery account, mocked. Every call is logged in order as `service:Command region`.

let calls: string[];
const instances = {
  backup: new BackupClient({ region: RECOVERY }),
  s3: new S3Client({ region: RECOVERY }),
  kms: new KMSClient({ region: RECOVERY }),
  ssm: Object.fromEntries(
    ['us-east-2', 'eu-west-1', 'us-west-2', 'ap-southeast-2'].map((r) => [r, new SSMClient({ region: r })]),
  ),
  route53: new Route53Client({ region: 'us-east-1' }),
};
let backup: AwsClientStub<BackupClient>;
let s3: AwsClientStub<S3Client>;
let kms: AwsClientStub<KMSClient>;
let ssm: Record<string, AwsClientStub<SSMClient>>;
let route53: AwsClientStub<Route53Client>;
let images: RegistryImage[];
/** `latest/release.json` of the standby bucket; undefined before the first delivery. */
let release: object | undefined;

const describeImages: RecoverClients['describeImages'] = async (region, repository) => {
  calls.push(`ecr:DescribeImages ${region} ${repository}`);
  return images;
};
const clients: { -readonly [K in keyof RecoverClients]: RecoverClients[K] } = {
  backup: () => instances.backup,
  s3: () => instances.s3,
  kms: () => instances.kms,
  ssm: (region) => instances.ssm[region] as SSMClient,
  route53: () => instances.route53,
  describeImages: async (region, repository) => describeImages(region, repository),
};

/** `ListObjectsV2` of the replica bucket, by prefix and delimiter. */
let objects: Record<string, { text: string; modified: Date }>;
const body = (text: string) => ({ transformToString: async () => text }) as never;

function point(id: string, minutes: number, status = 'COMPLETED'): RecoveryPointByBackupVault {
  return {
    RecoveryPointArn: snapshot(id),
    CreationDate: minutesAgo(minutes),
    Status: status as RecoveryPointByBackupVault['Status'],
    ResourceType: 'Aurora',
  };
}

const exportDoc = (name: string, version: number, extra: object) =>
  JSON.stringify({
    format: 'parameter-export/1',
    name,
    type: 'String',
    version,
    lastModified: minutesAgo(120).toISOString(),
    dataType: 'text',
    ...extra,
  });

/** The data key KMS hands out (and unwraps again) for the sealed SecureString. */
const dataKey = Buffer.alloc(32, 7);
const wrapped = Buffer.from('wrapped data key');

async function exportedParameters() {
  const kmsForSealing = new KMSClient({ region: RECOVERY });
  mockClient(kmsForSealing)
    .on(GenerateDataKeyCommand)
    .resolves({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey), CiphertextBlob: wrapped });
  const sealed = await sealValue(kmsForSealing, KEY_ARN, '/hello/api-token', 's3cret');
  const manifest = {
    format: 'parameter-manifest/1',
    prefix: '/hello/',
    exportedAt: minutesAgo(60 * 25).toISOString(),
    parameters: [
      { name: '/hello/feature-flags', version: 3, key: 'parameters/hello/feature-flags/3.json' },
      { name: '/hello/api-token', version: 1, key: 'parameters/hello/api-token/1.json' },
      {
        name: '/hello/us-east-1/foundation/key-arn',
        version: 1,
        key: 'parameters/hello/us-east-1/foundation/key-arn/1.json',
      },
    ],
  };
  return {
    'manifests/2026-12-03T03:00:00Z.json': { text: '{}', modified: minutesAgo(60 * 49) },
    'manifests/2026-12-04T03:00:00Z.json': { text: JSON.stringify(manifest), modified: minutesAgo(60 * 25) },
    'parameters/hello/feature-flags/3.json': {
      text: exportDoc('/hello/feature-flags', 3, { value: 'old' }),
      modified: minutesAgo(60 * 30),
    },
    // Changed after the full export: its newer version is what comes back.
    'parameters/hello/feature-flags/4.json': {
      text: exportDoc('/hello/feature-flags', 4, { value: 'dark-mode' }),
      modified: minutesAgo(120),
    },
    'parameters/hello/api-token/1.json': {
      text: exportDoc('/hello/api-token', 1, { type: 'SecureString', sealedValue: sealed }),
      modified: minutesAgo(60 * 30),
    },
    'parameters/hello/us-east-1/foundation/key-arn/1.json': {
      text: exportDoc('/hello/us-east-1/foundation/key-arn', 1, { value: 'arn:aws:kms:…' }),
      modified: minutesAgo(60 * 30),
    },
    // Deleted after its last export: not brought back.
    'parameters/hello/retired/2.json': {
      text: exportDoc('/hello/retired', 2, { value: 'x' }),
      modified: minutesAgo(60 * 30),
    },
    'parameters/hello/retired/deleted.json': { text: '{}', modified: minutesAgo(60 * 3) },
  };
}

const log =
  <I, T>(name: string, answer: (input: I) => T | Promise<T>) =>
  async (input: I) => {
    calls.push(name);
    return answer(input);
  };

/** The Route 53 zone of the recovery account and its name servers. */
const NAME_SERVERS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.com'];

beforeEach(async () => {
  calls = [];
  // The release the waves kept is older than the newest push: a later release was rolled back.
  release = {
    version: '1.4.0',
    commit: RELEASED,
    imageTag: '0a1b2c3',
    imageUri: `${RECOVERY_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/hello/service:0a1b2c3`,
    builtAt: minutesAgo(60 * 26).toISOString(),
    files: {
      revision: 'revision.zip',
      beanstalk: 'beanstalk.zip',
      lambda: 'lambda.zip',
      images: 'imagedefinitions.json',
    },
  };
  images = [
    { imageTags: ['0a1b2c3'], imagePushedAt: minutesAgo(60 * 24) },
    { imageTags: ['9f8e7d6'], imagePushedAt: minutesAgo(60 * 3) },
    { imagePushedAt: minutesAgo(5) },
  ];
  objects = await exportedParameters();
  backup = mockClient(instances.backup);
  s3 = mockClient(instances.s3);
  kms = mockClient(instances.kms);
  route53 = mockClient(instances.route53);
  backup.on(ListRecoveryPointsByBackupVaultCommand).callsFake(
    log('backup:ListRecoveryPointsByBackupVault', (input: { BackupVaultName: string }) => ({
      RecoveryPoints:
        input.BackupVaultName === VAULT
          ? [point('old', 60 * 5), point('newest', 40), point('running', 5, 'RUNNING')]
          : [],
    })),
  );
  s3.on(ListObjectsV2Command).callsFake(
    log('s3:ListObjectsV2', (input: { Prefix?: string; Delimiter?: string }) => {
      const keys = Object.keys(objects).filter((k) => k.startsWith(input.Prefix ?? ''));
      if (input.Delimiter === '/')
        return {
          CommonPrefixes: [...new Set(keys.map((k) => `${k.split('/')[0]}/`))].map((Prefix) => ({ Prefix })),
        };
      return { Contents: keys.map((Key) => ({ Key, LastModified: objects[Key]?.modified })) };
    }),
  );
  s3.on(GetObjectCommand).callsFake(
    log('s3:GetObject', (input: { Bucket: string; Key: string }) => {
      if (input.Bucket === STANDBY) {
        if (input.Key !== 'latest/release.json' || release === undefined)
          throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        return { Body: body(JSON.stringify(release)) };
      }
      expect(input.Bucket).toBe(BUCKET);
      const object = objects[input.Key];
      if (object === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return { Body: body(object.text) };
    }),
  );
  kms.on(DecryptCommand).callsFake(
    log('kms:Decrypt', (input: { CiphertextBlob: Uint8Array; EncryptionContext: object; KeyId: string }) => {
      expect(Buffer.from(input.CiphertextBlob)).toEqual(wrapped);
      expect(input.EncryptionContext).toEqual({ parameter: '/hello/api-token' });
      return { KeyId: input.KeyId, Plaintext: Uint8Array.from(dataKey) };
    }),
  );
  ssm = {};
  for (const [region, client] of Object.entries(instances.ssm)) {
    const stub = mockClient(client);
    stub.on(GetParameterCommand).callsFake(
      log(`ssm:GetParameter ${region}`, () => {
        throw new ParameterNotFound({ message: 'not found', $metadata: {} });
      }),
    );
    stub.on(PutParameterCommand).callsFake(log(`ssm:PutParameter ${region}`, () => ({ Version: 1 })));
    ssm[region] = stub;
  }
  route53.on(ListHostedZonesByNameCommand).callsFake(
    log('route53:ListHostedZonesByName', () => ({
      HostedZones: [
        {
          Id: '/hostedzone/Z123',
          Name: 'example.com.',
          CallerReference: 'x',
          Config: { PrivateZone: false },
        },
      ],
    })),
  );
  route53.on(ListResourceRecordSetsCommand).callsFake(
    log('route53:ListResourceRecordSets', () => ({
      ResourceRecordSets: [{ Name: 'app.example.com.', Type: 'CNAME' }],
    })),
  );
  route53
    .on(GetHostedZoneCommand)
    .callsFake(log('route53:GetHostedZone', () => ({ DelegationSet: { NameServers: NAME_SERVERS } })));
});

// ---------------------------------------------------------------------------------------------------------
// Running the command.

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly commands: CommandLine[];
}

/** The service the engines run, answering in memory; a broken one reads back another document. */
function service(broken = false) {
  const store = new MemoryStore();
  const app = createApp({
    store: async () =>
      broken
        ? Object.assign(Object.create(store), {
            get: async (id: string) => ({ ...(await store.get(id)), json: '{"probe":"someone else"}' }),
          })
        : store,
    log: () => {},
    settings: { servedBy, faultMode: undefined, failureRate: 0 },
  });
  const fetched: string[] = [];
  const fetcher = (async (url: string | URL | Request, init?: RequestInit) => {
    fetched.push(`${init?.method ?? 'GET'} ${String(url)}`);
    return app.fetch(new Request(url, init));
  }) as typeof fetch;
  return { fetch: fetcher, fetched };
}

async function run(
  argv: string[],
  root: string,
  options: {
    deploy?: { code: number; output: string };
    fetch?: typeof fetch;
    delegated?: string[];
    /** The checkout's `git rev-parse HEAD`. */
    head?: string;
    config?: EstateConfig;
  } = {},
): Promise<Run> {
  const out = buffer();
  const err = buffer();
  const commands: CommandLine[] = [];
  let now = NOW;
  const code = await RECOVER.run(
    argv,
    (args, context) =>
      runRecover(
        args,
        options.config ?? CONFIG,
        recoveredConfig(options.config ?? CONFIG),
        {
          root,
          clients,
          runner: async (line) => {
            if (line.command === 'git') {
              calls.push(`git ${line.args.join(' ')}`);
              return { code: 0, output: `${options.head ?? RELEASED}\n` };
            }
            calls.push('cdk deploy');
            commands.push(line);
            return options.deploy ?? { code: 0, output: '✅  done' };
          },
          fetch: options.fetch ?? service().fetch,
          nameServers: async () => options.delegated ?? NAME_SERVERS,
          designed: () => ({
            database: { kind: 'seconds', seconds: 3600, bound: '=', plus: 'the copy jobs' },
            parameters: { kind: 'seconds', seconds: 900, bound: '≤', plus: 'the export' },
          }),
          now: () => new Date(now),
          sleep: async (ms) => {
            now += ms;
          },
        },
        context,
      ),
    { stdout: out, stderr: err },
  );
  return { code, out: out.text(), err: err.text(), commands };
}

const temporaryRoot = () => mkdtempSync(join(tmpdir(), 'recover-'));
const directory = (root: string) => join(root, '.recover', CONFIG.profile);

describe('npm run recover', () => {
  it('DR-3: finds the newest sources, writes the restore file, deploys with it, imports the parameters, checks DNS and verifies each engine, in that order', async () => {
    const root = temporaryRoot();
    const served = service();
    const result = await run(['--yes'], root, { fetch: served.fetch });
    expect(result.err).not.toMatch(/refusing|failed/);
    expect(result.code).toBe(0);
    const restoreFile = join(directory(root), 'restore.json');
    expect(readRestoreSettings(restoreFile)).toEqual({
      chosenAt: new Date(NOW).toISOString(),
      database: { snapshotArn: snapshot('newest'), createdAt: minutesAgo(40).toISOString() },
      parameters: {
        bucket: BUCKET,
        manifestKey: 'manifests/2026-12-04T03:00:00Z.json',
        exportedAt: minutesAgo(60 * 25).toISOString(),
      },
      // The released image, not the newer push the waves rolled back.
      image: { tag: '0a1b2c3', pushedAt: minutesAgo(60 * 24).toISOString() },
    });
    // A snapshot restores only in its own region: the recovered estate's home.
    expect(readRestoreSettings(restoreFile).database?.snapshotArn.split(':')[3]).toBe(RECOVERED.homeRegion);
    expect(result.commands).toEqual([
      {
        command: 'npx',
        args: ['cdk', 'deploy', '--all', '-c', `restore=${restoreFile}`, '--require-approval', 'never'],
        env: {},
      },
    ]);
    expect(calls).toEqual([
      'backup:ListRecoveryPointsByBackupVault',
      's3:ListObjectsV2',
      's3:GetObject',
      's3:GetObject',
      `ecr:DescribeImages ${RECOVERY} hello/service`,
      'git rev-parse HEAD',
      'cdk deploy',
      // The parameters after the deploy: stack-owned ones then exist and are newer than the export.
      's3:GetObject',
      's3:ListObjectsV2',
      's3:GetObject',
      'kms:Decrypt',
      ...REGIONS.flatMap((r) => [`ssm:GetParameter ${r}`, `ssm:PutParameter ${r}`]),
      's3:GetObject',
      ...REGIONS.flatMap((r) => [`ssm:GetParameter ${r}`, `ssm:PutParameter ${r}`]),
      's3:ListObjectsV2',
      'route53:ListHostedZonesByName',
      'route53:ListResourceRecordSets',
      'route53:GetHostedZone',
    ]);
    // The newest exported version of each parameter, the SecureString unsealed, nothing of the lost
    // account's stacks and nothing deleted since.
    const puts = (region: string) =>
      ssm[region]?.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    for (const region of REGIONS) expect(puts(region)).toEqual(puts(RECOVERY));
    expect(puts(RECOVERY)).toEqual([
      {
        Name: '/hello/api-token',
        Value: 's3cret',
        Type: 'SecureString',
        KeyId: 'alias/aws/ssm',
        Overwrite: false,
        Tier: 'Intelligent-Tiering',
      },
      {
        Name: '/hello/feature-flags',
        Value: 'dark-mode',
        Type: 'String',
        KeyId: undefined,
        Overwrite: false,
        Tier: 'Intelligent-Tiering',
      },
    ]);
    expect(result.err).toContain('leaves /hello/us-east-1/foundation/key-arn: a fact of the lost account');
    expect(result.err).toContain('leaves /hello/retired: deleted after its last export');
    expect(result.err).toContain(
      `database: ${snapshot('newest')}, taken ${minutesAgo(40).toISOString()}, 40 min old (achieved RPO; designed 1 h + the copy jobs)`,
    );
    expect(result.err).toContain(
      `release: version 1.4.0, commit ${RELEASED}, built ${minutesAgo(60 * 26).toISOString()}, 26 h 0 min old (s3://${STANDBY}/latest/release.json): check out commit ${RELEASED} before the deploy`,
    );
    expect(result.err).toContain(
      `image: 0a1b2c3 (the released one), pushed ${minutesAgo(60 * 24).toISOString()}, 24 h 0 min old`,
    );
    expect(result.err).toContain(`the checkout is at the released commit ${RELEASED} (version 1.4.0)`);
    expect(result.err).toContain(
      'holds only the parameter export: the estate replicates no data bucket, nothing to copy',
    );
    expect(result.err).toContain('app.example.com resolves through zone Z123 of the recovery account');
    // Each engine of the recovered estate: deep health, a write, its read back.
    expect(REGIONS).toEqual([RECOVERY, 'eu-west-1', 'us-west-2', 'ap-southeast-2']);
    for (const engine of ENGINES) {
      const base = `https://${engine}.example.com`;
      expect(served.fetched.filter((f) => f.includes(base))).toEqual([
        `GET ${base}/health/deep`,
        `POST ${base}/store`,
        expect.stringMatching(new RegExp(`^GET ${base}/store/[0-9a-f-]{36}$`)),
      ]);
    }
    // Each step's time against the report's budget.
    expect(result.out).toMatch(/^ {2}recoveryPoints +\d+\.\d s of ≤ 5 min$/m);
    expect(result.out).toMatch(/^ {2}redeploy +\d+\.\d s of ≤ 40 min$/m);
    expect(result.out).toMatch(/^ {2}total +\d+\.\d s of ≤ 1 h$/m);
    expect(result.out).toContain('Recovered: every engine answers right from the recovered data.');
  });

  it('DR-3: no recovery point in the vault: refuses before writing or deploying anything, saying what would be lost', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolves({ RecoveryPoints: [point('running', 5, 'RUNNING')] });
    const root = temporaryRoot();
    const result = await run(['--yes'], root);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      `Stopped: refusing to recover:\n  - no completed Aurora recovery point in ${VAULT} (${RECOVERY}): the recovered database would start empty, every record lost\nRun again with --accept-rpo`,
    );
    expect(result.commands).toEqual([]);
    expect(existsSync(join(directory(root), 'restore.json'))).toBe(false);
    expect(result.out).toMatch(
      /^ {2}2\. deploy the recovered estate into the recovery account +not reached$/m,
    );
  });

  it('DR-3: a recovery point older than the designed RPO is refused; --accept-rpo recovers from it and says what it accepted', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('stale', 60 * 5)] });
    const refused = await run(['--yes'], temporaryRoot());
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      `the newest recovery point is 5 h 0 min old, older than the designed RPO 1 h + the copy jobs: every write after ${minutesAgo(300).toISOString()} would be lost`,
    );
    expect(refused.commands).toEqual([]);

    const root = temporaryRoot();
    const accepted = await run(['--yes', '--accept-rpo'], root);
    expect(accepted.code).toBe(0);
    expect(accepted.err).toContain('accepted (--accept-rpo): the newest recovery point is 5 h 0 min old');
    expect(readRestoreSettings(join(directory(root), 'restore.json')).database?.snapshotArn).toBe(
      snapshot('stale'),
    );
  });

  it('DR-3: an image lookup that fails counts as a missing image: refused, or with --accept-rpo a restore file without one', async () => {
    const ecr = mockClient(ECRClient);
    ecr.on(DescribeImagesCommand).rejects(
      Object.assign(new Error('The repository with name hello/service does not exist'), {
        name: 'RepositoryNotFoundException',
      }),
    );
    clients.describeImages = awsRecoverClients({}).describeImages;
    try {
      const refused = await run(['--yes'], temporaryRoot());
      expect(refused.code).toBe(1);
      expect(refused.out).toContain(
        `  - ecr:DescribeImages in ${RECOVERY} failed: RepositoryNotFoundException: The repository with name hello/service does not exist: the ECS engine would run the image \`cdk deploy\` builds from this checkout, not the last release`,
      );
      const root = temporaryRoot();
      const accepted = await run(['--yes', '--accept-rpo'], root);
      expect(accepted.code).toBe(0);
      expect(readRestoreSettings(join(directory(root), 'restore.json')).image).toBeUndefined();
    } finally {
      clients.describeImages = describeImages;
      ecr.restore();
    }
  });

  it("DR-3: access denied names the call, the region and the recovery account's credentials", async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::222222222222:assumed-role/ops is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await run(['--yes'], temporaryRoot());
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      `Stopped: access denied: backup:ListRecoveryPointsByBackupVault in ${RECOVERY} was refused (User: arn:aws:sts::222222222222:assumed-role/ops is not authorized). The recovery account's credentials (--recovery-profile) need backup:ListRecoveryPointsByBackupVault.`,
    );
    expect(result.commands).toEqual([]);
  });

  it('DR-3: no parameter export is refused like a missing point; an export the manifest lists but the bucket lacks stops the import, and the next run resumes there', async () => {
    const saved = objects;
    objects = Object.fromEntries(Object.entries(saved).filter(([k]) => !k.startsWith('manifests/')));
    const none = await run(['--yes'], temporaryRoot());
    expect(none.code).toBe(1);
    expect(none.out).toContain(
      `no parameter export (manifests/*.json) in s3://${BUCKET}: the estate's own parameters would be lost`,
    );

    objects = Object.fromEntries(
      Object.entries(saved).filter(([k]) => !k.startsWith('parameters/hello/api-token/')),
    );
    const root = temporaryRoot();
    const first = await run(['--yes'], root);
    expect(first.code).toBe(1);
    expect(first.out).toContain(
      `the parameter export is incomplete: s3://${BUCKET} lacks parameters/hello/api-token/1.json, which the manifest lists`,
    );
    expect(ssm[RECOVERY]?.commandCalls(PutParameterCommand)).toEqual([]);
    expect(first.commands).toHaveLength(1);

    objects = saved;
    calls = [];
    const second = await run(['--yes'], root);
    expect(second.code).toBe(0);
    expect(second.err).toMatch(
      /1\. find the recovery sources and their ages: done in an earlier run \(\d+\.\d s\), skipped/,
    );
    expect(second.err).toMatch(
      /2\. deploy the recovered estate into the recovery account: done in an earlier run/,
    );
    expect(second.commands).toEqual([]);
    expect(calls[0]).toBe('s3:GetObject');
  });

  it('DR-3: a parameter newer in a region than its export, or already imported, is left as it is', async () => {
    ssm[RECOVERY]?.on(GetParameterCommand).callsFake(
      log('ssm:GetParameter', (input: { Name: string }) => ({
        Parameter:
          input.Name === '/hello/feature-flags'
            ? {
                Name: input.Name,
                Type: 'String',
                Value: 'set-after-the-loss',
                LastModifiedDate: minutesAgo(10),
              }
            : {
                Name: input.Name,
                Type: 'SecureString',
                Value: 's3cret',
                LastModifiedDate: minutesAgo(60 * 48),
              },
      })),
    );
    const result = await run(['--yes'], temporaryRoot());
    expect(result.code).toBe(0);
    expect(ssm[RECOVERY]?.commandCalls(PutParameterCommand)).toEqual([]);
    expect(ssm['us-west-2']?.commandCalls(PutParameterCommand)).toHaveLength(2);
    expect(result.err).toContain(
      '6 written, 2 left as they are (already imported; newer there than the export)',
    );
  });

  it('DR-3: a deploy that fails names the stack and stops; the next run deploys again from the same restore file', async () => {
    const root = temporaryRoot();
    const failed = await run(['--yes', '--recovery-profile', 'recovery', '--profile', 'lab'], root, {
      deploy: {
        code: 1,
        output:
          'Hello-Recovery-Foundation-us-east-2: deploying...\n\n \u001b[1m❌  Hello-Data-us-east-2\u001b[22m failed to deploy: ResourceNotReady: the snapshot is not available\n',
      },
    });
    expect(failed.code).toBe(1);
    expect(failed.out).toContain(
      "the deploy failed (exit 1) at Hello-Data-us-east-2: look at that stack's events in CloudFormation",
    );
    expect(failed.out).toMatch(
      /^ {2}2\. deploy the recovered estate into the recovery account +failed in \d+\.\d s$/m,
    );
    expect(failed.out).toMatch(/^ {2}3\. import the parameter export +not reached$/m);
    expect(ssm[RECOVERY]?.commandCalls(PutParameterCommand)).toEqual([]);
    const restoreFile = join(directory(root), 'restore.json');
    const chosen = readFileSync(restoreFile, 'utf8');

    calls = [];
    const resumed = await run(['--yes', '--recovery-profile', 'recovery', '--profile', 'lab'], root);
    expect(resumed.code).toBe(0);
    // The release found by the first run is the one the resumed deploy checks the checkout against.
    expect(calls.slice(0, 3)).toEqual(['git rev-parse HEAD', 'cdk deploy', 's3:GetObject']);
    expect(resumed.commands).toEqual([
      {
        command: 'npx',
        args: [
          'cdk',
          'deploy',
          '--all',
          '-c',
          `restore=${restoreFile}`,
          '--require-approval',
          'never',
          '--profile',
          'recovery',
        ],
        env: { ESTATE_PROFILE: 'lab' },
      },
    ]);
    expect(readFileSync(restoreFile, 'utf8')).toBe(chosen);
  });

  it('DR-3: the released image is restored, not the newest push; without a delivered release.json the newest, saying so, and no checkout check', async () => {
    release = undefined;
    const root = temporaryRoot();
    const result = await run(['--yes'], root);
    expect(result.code).toBe(0);
    expect(readRestoreSettings(join(directory(root), 'restore.json')).image).toEqual({
      tag: '9f8e7d6',
      pushedAt: minutesAgo(180).toISOString(),
    });
    expect(result.err).toContain(
      `release: none delivered yet (no s3://${STANDBY}/latest/release.json): the image is the newest pushed, which may be a release the waves rolled back`,
    );
    expect(result.err).toContain('image: 9f8e7d6 (the newest), pushed');
    expect(calls).not.toContain('git rev-parse HEAD');
  });

  it('DR-3: a release.json without a commit to check out is refused, naming the file and the field', async () => {
    release = { ...release, commit: 'main' };
    const result = await run(['--yes', '--accept-rpo'], temporaryRoot());
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      `Stopped: s3://${STANDBY}/latest/release.json is not a delivered release (commit: expected a git commit)`,
    );
    expect(result.commands).toEqual([]);
  });

  it('DR-3: a released tag the replicated repository lacks is refused, naming it, not replaced by the newest image; --accept-rpo recovers without an image', async () => {
    images = images.filter((i) => !i.imageTags?.includes('0a1b2c3'));
    const refused = await run(['--yes'], temporaryRoot());
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      `  - the released image 0a1b2c3 (version 1.4.0) is not in hello/service (${RECOVERY}): has the registry's replication to the recovery account stopped?`,
    );
    expect(refused.commands).toEqual([]);
    const root = temporaryRoot();
    const accepted = await run(['--yes', '--accept-rpo'], root);
    expect(accepted.code).toBe(0);
    expect(readRestoreSettings(join(directory(root), 'restore.json')).image).toBeUndefined();
  });

  it('DR-3: a checkout other than the released commit is refused before the deploy, saying why; --accept-checkout deploys it', async () => {
    const elsewhere = 'f'.repeat(40);
    const root = temporaryRoot();
    const refused = await run(['--yes'], root, { head: elsewhere });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      `Stopped: refusing to deploy: the checkout is at ${elsewhere}, not at the released commit ${RELEASED} (version 1.4.0): the Beanstalk, Serverless and EC2 engines deploy what this checkout builds, so they would run other code than the last release. Run git checkout ${RELEASED} and run again, or add --accept-checkout to deploy this checkout anyway`,
    );
    expect(refused.commands).toEqual([]);
    expect(refused.out).toMatch(
      /^ {2}2\. deploy the recovered estate into the recovery account +failed in \d+\.\d s$/m,
    );

    const accepted = await run(['--yes', '--accept-checkout'], root, { head: elsewhere });
    expect(accepted.code).toBe(0);
    expect(accepted.err).toContain('accepted (--accept-checkout): deploying this checkout');
    expect(accepted.commands).toHaveLength(1);
  });

  it('DR-3: DNS still delegated to the lost zone stops with the exact step at the registrar', async () => {
    const result = await run(['--yes'], temporaryRoot(), { delegated: ['ns-9.lost-zone.net'] });
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'Stopped: DNS is not switched yet: at the registrar of example.com, set its name servers to ns-1.awsdns-01.org, ns-2.awsdns-02.com (zone Z123 of the recovery account)',
    );
    expect(result.out).toMatch(/^ {2}6\. verify every recovered engine +not reached$/m);
  });

  describe('with dns.delegation, the parent zone in the recovery account', () => {
    const delegatedConfig = parseConfig(
      { dns: { domainName: 'hello.example.com', delegation: { parentZoneName: 'example.com' } } },
      'test',
    );
    /** The parent zone's NS set of hello.example.com. */
    const parentAnswers = (nameServers: string[]) => {
      route53.on(ListHostedZonesByNameCommand).callsFake(
        log('route53:ListHostedZonesByName', (input: { DNSName: string }) => ({
          HostedZones: [
            {
              Id: input.DNSName === 'example.com' ? '/hostedzone/ZPARENT' : '/hostedzone/ZRECOVERED',
              Name: `${input.DNSName}.`,
              CallerReference: 'x',
              Config: { PrivateZone: false },
            },
          ],
        })),
      );
      route53.on(ListResourceRecordSetsCommand).callsFake(
        log('route53:ListResourceRecordSets', (input: { HostedZoneId: string }) => ({
          ResourceRecordSets:
            input.HostedZoneId === 'ZPARENT'
              ? [
                  {
                    Name: 'hello.example.com.',
                    Type: 'NS',
                    TTL: 300,
                    ResourceRecords: nameServers.map((Value) => ({ Value: `${Value}.` })),
                  },
                ]
              : [{ Name: 'app.hello.example.com.', Type: 'CNAME' }],
        })),
      );
    };

    it("DR-3: switched once Route 53's parent zone delegates to the recovered zone, whatever resolvers still say; the TTL they may hold the old answer is reported", async () => {
      parentAnswers(NAME_SERVERS);
      const result = await run(['--yes'], temporaryRoot(), {
        config: delegatedConfig,
        delegated: ['ns-9.lost-zone.net'],
      });
      expect(result.code).toBe(0);
      expect(result.err).toContain(
        "example.com (ZPARENT) delegates hello.example.com to zone ZRECOVERED; resolvers follow within 300 s (the parent's NS TTL: resolvers that cached the old delegation may send users to the lost zone until then); app.hello.example.com resolves through zone ZRECOVERED of the recovery account",
      );
      expect(calls.filter((c) => c.startsWith('route53:'))).toEqual([
        'route53:ListHostedZonesByName',
        'route53:ListResourceRecordSets',
        'route53:GetHostedZone',
        'route53:ListHostedZonesByName',
        'route53:ListResourceRecordSets',
      ]);
    });

    it('DR-3: not yet switched while the parent zone still delegates to the lost zone: stops naming the DNS stack, no registrar step', async () => {
      parentAnswers(['ns-9.lost-zone.net']);
      const result = await run(['--yes'], temporaryRoot(), { config: delegatedConfig });
      expect(result.code).toBe(1);
      expect(result.out).toContain(
        "Stopped: DNS is not switched yet: the recovered estate's DNS stack writes the NS records of hello.example.com in the parent zone example.com (dns.delegation)",
      );
      expect(result.out).not.toContain('registrar');
      expect(result.err).toContain(
        'example.com (ZPARENT) delegates hello.example.com to ns-9.lost-zone.net, not to zone ZRECOVERED',
      );
      expect(result.out).toMatch(/^ {2}6\. verify every recovered engine +not reached$/m);
    });
  });

  it('DR-3: an engine whose /store reads back another document fails the verification, naming it', async () => {
    const result = await run(['--yes', '--verify-timeout', '30'], temporaryRoot(), {
      fetch: service(true).fetch,
    });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /Stopped: fleet us-east-2, asg us-east-2, beanstalk eu-west-1, ecs us-west-2, serverless ap-southeast-2 did not answer right within 30 s: fleet us-east-2: GET \/store\/[0-9a-f-]{36} read back \{"probe":"someone else"\}, not the document written/,
    );
  });

  for (const argv of [['--dry-run'], []]) {
    it(`DR-3: ${argv.length === 0 ? 'without --yes' : '--dry-run'} only reads: the plan with the exact command and calls, nothing written, deployed or verified`, async () => {
      const root = temporaryRoot();
      const served = service();
      const result = await run(argv, root, { fetch: served.fetch });
      expect(result.code).toBe(0);
      expect(
        calls.every(
          (c) => /^(backup|s3|route53|ecr|ssm|kms):(List|Get|Describe)/.test(c) || c === 'git rev-parse HEAD',
        ),
        calls.join(),
      ).toBe(true);
      expect(calls).not.toContain('kms:Decrypt');
      expect(result.commands).toEqual([]);
      expect(served.fetched).toEqual([]);
      expect(existsSync(join(root, '.recover'))).toBe(false);
      const restoreFile = join(directory(root), 'restore.json');
      expect(result.err).toContain(`would write ${restoreFile}: {"chosenAt":`);
      expect(result.err).toContain(
        `would run: npx cdk deploy --all -c restore=${restoreFile} --require-approval never`,
      );
      expect(result.err).toContain(
        `would call ssm:PutParameter (never over a newer value) in ${REGIONS.join(', ')} for: /hello/api-token v1, /hello/feature-flags v4`,
      );
      expect(result.err).toContain(
        `would check https://asg.${RECOVERY}.example.com: GET /health/deep, POST /store, GET /store/<id>`,
      );
      expect(result.out).toContain(
        'Dry run: nothing was written, deployed or changed. Run again with --yes to recover.',
      );
      expect(result.out).toMatch(/^ {2}6\. verify every recovered engine +planned$/m);
    });
  }

  it('DR-3: bad usage exits 2 naming every problem; --help prints the usage, options and examples', async () => {
    const bad = await run(['--yes', '--dry-run', '--verify-timeout', 'soon', '--to'], temporaryRoot());
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error: unknown argument --to');
    expect(bad.err).toContain('error: --yes and --dry-run contradict each other');
    expect(bad.err).toContain(
      'error: --verify-timeout must be a number above 0 and at most 3600, got "soon"',
    );
    const help = await run(['--help'], temporaryRoot());
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: npm run recover -- \[options\]$/m);
    expect(help.out).toMatch(/^ {2}--accept-rpo +recover even with a source missing/m);
    expect(help.out).toMatch(/^ {2}--recovery-profile <name> +AWS CLI profile of the recovery account$/m);
    expect(help.out).toContain('npm run recover -- --recovery-profile recovery --yes');
  });
});
