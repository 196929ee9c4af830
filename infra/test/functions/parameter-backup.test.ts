import { createDecipheriv } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  type Parameter,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type BackupOutcome,
  createParameterBackupHandler,
  exportKey,
  type ParameterExport,
  tombstoneKey,
} from '../../functions/parameter-backup/backup.ts';
import { type SealedValue, sealValue, unsealValue } from '../../functions/parameter-backup/envelope.ts';
import { type BackupSettings, readBackupSettings } from '../../functions/parameter-backup/settings.ts';

const settings: BackupSettings = {
  parameterPrefix: '/hello/',
  recoveryRegion: 'eu-west-1',
  recoveryParameterKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/recovery-parameters',
  exportBucket: 'hello-parameter-exports',
  exportBucketKeyId: 'arn:aws:kms:us-east-1:111111111111:key/export-bucket',
  exportValueKeyId: 'arn:aws:kms:us-east-1:111111111111:key/mrk-export-values',
};

const secretValue = 'postgres-password-Zq9!rT';
const dataKey = Buffer.alloc(32, 7);
const wrappedDataKey = Buffer.from('kms-wrapped-data-key');

/** The event Systems Manager sends, shaped like the example in its user guide. */
function changeEvent(operation: string, name: string, type = 'String'): unknown {
  return {
    version: '0',
    id: `event-${operation}-${name}`,
    'detail-type': 'Parameter Store Change',
    source: 'aws.ssm',
    account: '111111111111',
    time: '2026-11-27T10:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:ssm:us-east-1:111111111111:parameter${name}`],
    detail: { operation, name, type, description: 'estate parameter' },
  };
}

const scheduledEvent = {
  version: '0',
  id: 'schedule-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '111111111111',
  time: '2026-11-27T03:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:111111111111:rule/parameter-export'],
  detail: {},
};

function parameter(name: string, value: string, type: Parameter['Type'] = 'String', version = 1): Parameter {
  return {
    Name: name,
    Value: value,
    Type: type,
    Version: version,
    DataType: 'text',
    LastModifiedDate: new Date('2026-11-27T09:59:58Z'),
  };
}

const homeSsm = new SSMClient({ region: 'us-east-1' });
const recoverySsm = new SSMClient({ region: 'eu-west-1' });
const s3 = new S3Client({ region: 'us-east-1' });
const kms = new KMSClient({ region: 'us-east-1' });
const home = mockClient(homeSsm);
const recovery = mockClient(recoverySsm);
const bucket = mockClient(s3);
const keys = mockClient(kms);
const log = vi.fn();
const backUp = createParameterBackupHandler(settings, { homeSsm, recoverySsm, s3, kms }, log);

/** The recovery region and the bucket keep what they are given, so a retry sees the first run's work. */
function simulateDestinations(): void {
  const copies = new Map<string, Parameter>();
  const objects = new Map<string, { body: string; metadata: Record<string, string> }>();
  recovery.on(GetParameterCommand).callsFake(({ Name }) => {
    const copy = copies.get(Name);
    if (!copy) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return { Parameter: copy };
  });
  recovery.on(PutParameterCommand).callsFake(({ Name, Value, Type }) => {
    copies.set(Name, { Name, Value, Type });
    return { Version: 1 };
  });
  recovery.on(DeleteParameterCommand).callsFake(({ Name }) => {
    if (!copies.delete(Name)) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return {};
  });
  bucket.on(HeadObjectCommand).callsFake(({ Key }) => {
    const object = objects.get(Key);
    if (!object) throw new NotFound({ message: 'not found', $metadata: {} });
    return { Metadata: object.metadata };
  });
  bucket.on(PutObjectCommand).callsFake(({ Key, Body, Metadata }) => {
    objects.set(Key, { body: String(Body), metadata: Metadata ?? {} });
    return {};
  });
  keys.on(GenerateDataKeyCommand).resolves({
    KeyId: settings.exportValueKeyId,
    Plaintext: Uint8Array.from(dataKey),
    CiphertextBlob: Uint8Array.from(wrappedDataKey),
  });
}

function putObjectInputs() {
  return bucket.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

function exportedDocument(key: string): ParameterExport {
  const body = putObjectInputs().find((input) => input.Key === key)?.Body;
  return JSON.parse(String(body)) as ParameterExport;
}

function unseal(sealed: SealedValue): string {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
  return Buffer.concat([
    decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
    decipher.final(),
  ]).toString();
}

beforeEach(() => {
  for (const mock of [home, recovery, bucket, keys]) mock.reset();
  log.mockReset();
  simulateDestinations();
});

describe('parameter-backup function', () => {
  it('DATA-5: a change is copied once to the recovery region and exported once, with the right keys', async () => {
    home.on(GetParameterCommand, { Name: '/hello/db/endpoint' }).resolves({
      Parameter: parameter('/hello/db/endpoint', 'db.cluster-abc.us-east-1.rds.amazonaws.com', 'String', 3),
    });

    const outcome = await backUp(changeEvent('Update', '/hello/db/endpoint'));

    expect(outcome).toEqual<BackupOutcome>({
      copied: ['/hello/db/endpoint'],
      exported: ['/hello/db/endpoint'],
      deleted: [],
      ignored: [],
    });
    expect(home.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/hello/db/endpoint',
      WithDecryption: true,
    });
    expect(recovery.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      {
        Name: '/hello/db/endpoint',
        Value: 'db.cluster-abc.us-east-1.rds.amazonaws.com',
        Type: 'String',
        Overwrite: true,
        Tier: 'Intelligent-Tiering',
      },
    ]);
    expect(putObjectInputs()).toEqual([
      expect.objectContaining({
        Bucket: 'hello-parameter-exports',
        Key: 'parameters/hello/db/endpoint/3.json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: settings.exportBucketKeyId,
      }),
    ]);
    expect(exportedDocument(exportKey('/hello/db/endpoint', 3))).toMatchObject({
      name: '/hello/db/endpoint',
      version: 3,
      value: 'db.cluster-abc.us-east-1.rds.amazonaws.com',
    });
  });

  it('DATA-5: a retried identical event writes nothing a second time', async () => {
    home.on(GetParameterCommand).resolves({ Parameter: parameter('/hello/feature', 'on') });
    const event = changeEvent('Create', '/hello/feature');

    await backUp(event);
    const retry = await backUp(event);

    expect(retry.copied).toEqual([]);
    expect(retry.exported).toEqual([]);
    expect(recovery.commandCalls(PutParameterCommand)).toHaveLength(1);
    expect(bucket.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('DATA-5: a SecureString is copied as a SecureString with the recovery key and exported only sealed', async () => {
    home.on(GetParameterCommand).resolves({
      Parameter: parameter('/hello/db/password', secretValue, 'SecureString', 2),
    });

    await backUp(changeEvent('Update', '/hello/db/password', 'SecureString'));

    const copy = recovery.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(copy).toMatchObject({
      Type: 'SecureString',
      KeyId: settings.recoveryParameterKeyId,
      Value: secretValue,
    });
    expect(keys.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toEqual({
      KeyId: settings.exportValueKeyId,
      KeySpec: 'AES_256',
      EncryptionContext: { parameter: '/hello/db/password' },
    });
    const exported = exportedDocument(exportKey('/hello/db/password', 2));
    expect(exported.value).toBeUndefined();
    expect(exported.sealedValue).toMatchObject({
      keyId: settings.exportValueKeyId,
      encryptedDataKey: wrappedDataKey.toString('base64'),
    });
    expect(unseal(exported.sealedValue as SealedValue)).toBe(secretValue);
    // The plain value goes to SSM in the recovery region (which encrypts it) and nowhere else.
    const inputs = (calls: readonly { readonly args: readonly [{ readonly input: object }] }[]) =>
      calls.map((call) => call.args[0]);
    const everyOtherInput = [
      ...inputs(home.calls()),
      ...inputs(bucket.calls()),
      ...inputs(keys.calls()),
      ...inputs(recovery.calls()).filter((command) => !(command instanceof PutParameterCommand)),
    ].map((command) => JSON.stringify(command.input));
    expect(everyOtherInput.length).toBeGreaterThan(3);
    for (const input of everyOtherInput) expect(input).not.toContain(secretValue);
  });

  it('DATA-5: a deleted parameter is deleted in the recovery region and leaves a tombstone', async () => {
    const outcome = await backUp(changeEvent('Delete', '/hello/old-flag'));

    expect(outcome.deleted).toEqual(['/hello/old-flag']);
    expect(recovery.commandCalls(DeleteParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/hello/old-flag',
    });
    expect(home.calls()).toHaveLength(0);
    expect(putObjectInputs()).toEqual([
      expect.objectContaining({
        Key: tombstoneKey('/hello/old-flag'),
        SSEKMSKeyId: settings.exportBucketKeyId,
      }),
    ]);
    expect(JSON.parse(String(putObjectInputs()[0]?.Body))).toEqual({
      format: 'parameter-tombstone/1',
      name: '/hello/old-flag',
      deletedAt: '2026-11-27T10:00:00Z',
      eventId: 'event-Delete-/hello/old-flag',
    });
  });

  it('DATA-5: a parameter outside the estate prefix is ignored with a log line and no call', async () => {
    const outcome = await backUp(changeEvent('Update', '/other-team/token', 'SecureString'));

    expect(outcome.ignored).toEqual(['/other-team/token']);
    for (const mock of [home, recovery, bucket, keys]) expect(mock.calls()).toHaveLength(0);
    expect(log).toHaveBeenCalledWith(
      'ignored: outside the estate prefix',
      expect.objectContaining({ name: '/other-team/token' }),
    );
  });

  it('DATA-5: a scheduled event exports every page of parameters and writes a manifest', async () => {
    home
      .on(GetParametersByPathCommand)
      .resolvesOnce({
        Parameters: [parameter('/hello/a', 'one'), parameter('/hello/b', secretValue, 'SecureString')],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Parameters: [parameter('/hello/nested/c', 'three', 'StringList', 4)] });

    const outcome = await backUp(scheduledEvent);

    const pageRequests = home.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input);
    // The paginator reuses one input object, so only the last token can be read back from the calls.
    expect(pageRequests).toHaveLength(2);
    expect(pageRequests[1]).toMatchObject({
      Path: '/hello',
      Recursive: true,
      WithDecryption: true,
      NextToken: 'page-2',
    });
    expect(outcome.exported).toEqual(['/hello/a', '/hello/b', '/hello/nested/c']);
    expect(outcome.manifestKey).toBe('manifests/2026-11-27T03:00:00Z.json');
    const manifest = JSON.parse(String(putObjectInputs().at(-1)?.Body));
    expect(manifest).toEqual({
      format: 'parameter-manifest/1',
      prefix: '/hello/',
      exportedAt: '2026-11-27T03:00:00Z',
      parameters: [
        { name: '/hello/a', version: 1, key: 'parameters/hello/a/1.json' },
        { name: '/hello/b', version: 1, key: 'parameters/hello/b/1.json' },
        { name: '/hello/nested/c', version: 4, key: 'parameters/hello/nested/c/4.json' },
      ],
    });
    for (const input of putObjectInputs()) expect(String(input.Body)).not.toContain(secretValue);
  });

  it('DATA-5: a malformed event is a clear error and touches nothing', async () => {
    const malformed = {
      source: 'aws.ssm',
      'detail-type': 'Parameter Store Change',
      detail: { name: '/hello/x' },
    };

    await expect(backUp(malformed)).rejects.toThrow(/"Parameter Store Change"[\s\S]*operation/);
    for (const mock of [home, recovery, bucket, keys]) expect(mock.calls()).toHaveLength(0);
  });

  it('DATA-5: a misconfigured function names every bad variable at cold start', () => {
    expect(() => readBackupSettings({ PARAMETER_PREFIX: 'hello', RECOVERY_REGION: 'eu-west-1' })).toThrow(
      /PARAMETER_PREFIX[\s\S]*RECOVERY_PARAMETER_KEY_ID[\s\S]*EXPORT_BUCKET[\s\S]*EXPORT_VALUE_KEY_ID/,
    );
  });
});

describe('an exported SecureString unsealed in the recovery account', () => {
  const key = 'arn:aws:kms:eu-west-1:222222222222:key/recovery-estate';
  const sealing = new KMSClient({ region: 'eu-west-1' });
  const unsealing = new KMSClient({ region: 'eu-west-1' });

  beforeEach(() => {
    mockClient(sealing)
      .on(GenerateDataKeyCommand)
      .resolves({ KeyId: key, Plaintext: Uint8Array.from(dataKey), CiphertextBlob: wrappedDataKey });
    // KMS gives the data key back only for the wrapped key and the parameter's own encryption context.
    mockClient(unsealing)
      .on(DecryptCommand)
      .callsFake((input) => {
        const context = JSON.stringify(input.EncryptionContext);
        if (
          !Buffer.from(input.CiphertextBlob).equals(wrappedDataKey) ||
          context !== JSON.stringify({ parameter: '/hello/database/password' }) ||
          input.KeyId !== key
        )
          throw Object.assign(new Error('InvalidCiphertextException'), {
            name: 'InvalidCiphertextException',
          });
        return { KeyId: key, Plaintext: Uint8Array.from(dataKey) };
      });
  });

  it("DR-3: KMS unwraps the data key with the parameter's encryption context, which decrypts the value", async () => {
    const sealed = await sealValue(sealing, key, '/hello/database/password', secretValue);
    await expect(unsealValue(unsealing, sealed)).resolves.toBe(secretValue);
  });

  it("DR-3: a sealed value passed off as another parameter's, or altered, does not unseal", async () => {
    const sealed = await sealValue(sealing, key, '/hello/database/password', secretValue);
    await expect(
      unsealValue(unsealing, { ...sealed, encryptionContext: { parameter: '/hello/other' } }),
    ).rejects.toThrow('InvalidCiphertextException');
    const altered = Buffer.from(sealed.ciphertext, 'base64');
    altered[0] = (altered[0] ?? 0) ^ 1;
    await expect(
      unsealValue(unsealing, { ...sealed, ciphertext: altered.toString('base64') }),
    ).rejects.toThrow(/authenticate/);
  });
});
