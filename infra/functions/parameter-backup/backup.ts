import type { KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  type Parameter,
  ParameterNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { type SealedValue, sealValue } from './envelope.ts';
import { type ParameterChange, parseBackupEvent, type ScheduledExport } from './events.ts';
import type { BackupSettings } from './settings.ts';

/** The AWS clients the function works with; the recovery client points at the recovery region. */
export interface BackupClients {
  readonly homeSsm: SSMClient;
  readonly recoverySsm: SSMClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
}

/** A structured log line (the Lambda runtime forwards stdout to CloudWatch Logs). */
export type Log = (message: string, fields: Readonly<Record<string, unknown>>) => void;

/** What one invocation did, returned for the logs and the tests. */
export interface BackupOutcome {
  readonly copied: readonly string[];
  readonly exported: readonly string[];
  readonly deleted: readonly string[];
  readonly ignored: readonly string[];
  readonly manifestKey?: string;
}

/**
 * One exported parameter version. A SecureString's value appears only as `sealedValue`; String and
 * StringList values are not secret and are kept readable in `value`.
 */
export interface ParameterExport {
  readonly format: 'parameter-export/1';
  readonly name: string;
  readonly type: string;
  readonly version: number;
  readonly lastModified: string;
  readonly dataType: string;
  readonly value?: string;
  readonly sealedValue?: SealedValue;
}

/** The outcome while it is being collected. */
interface Progress {
  readonly copied: string[];
  readonly exported: string[];
  readonly deleted: string[];
  readonly ignored: string[];
}

function startProgress(): Progress {
  return { copied: [], exported: [], deleted: [], ignored: [] };
}

/** A complete parameter as GetParameter/GetParametersByPath return it with decryption. */
interface CurrentParameter {
  readonly name: string;
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  readonly lastModified: string;
  readonly dataType: string;
}

// Object metadata that tells whether the export of this version is already written: a version number
// alone is not enough, because a parameter deleted and created again starts at version 1 again.
const MODIFIED_METADATA = 'parameter-modified';

export function exportKey(name: string, version: number): string {
  return `parameters${name}/${version}.json`;
}

export function tombstoneKey(name: string): string {
  return `parameters${name}/deleted.json`;
}

export function manifestKey(time: string): string {
  return `manifests/${time}.json`;
}

const writeJsonLine: Log = (message, fields) => {
  console.log(JSON.stringify({ level: 'INFO', message, ...fields }));
};

/**
 * The Lambda handler: a parameter change is copied to the recovery region and exported; a scheduled
 * event exports (and re-copies) every parameter under the prefix, then writes a manifest. Every step
 * first checks whether its result already exists, so a retried event does its work once.
 */
export function createParameterBackupHandler(
  settings: BackupSettings,
  clients: BackupClients,
  log: Log = writeJsonLine,
): (event: unknown) => Promise<BackupOutcome> {
  async function backUp(parameter: CurrentParameter, done: Progress): Promise<string> {
    if (await copyToRecoveryRegion(parameter)) done.copied.push(parameter.name);
    const key = exportKey(parameter.name, parameter.version);
    if (await writeExport(parameter, key)) done.exported.push(parameter.name);
    return key;
  }

  async function copyToRecoveryRegion(parameter: CurrentParameter): Promise<boolean> {
    const existing = await getParameter(clients.recoverySsm, parameter.name);
    if (existing?.Value === parameter.value && existing.Type === parameter.type) return false;
    await clients.recoverySsm.send(
      new PutParameterCommand({
        Name: parameter.name,
        Value: parameter.value,
        Type: parameter.type,
        // SSM encrypts the copy with the recovery region's key: a key of the home region cannot be used there.
        KeyId: parameter.type === 'SecureString' ? settings.recoveryParameterKeyId : undefined,
        Overwrite: true,
        // A value over 4 KB needs the advanced tier; intelligent tiering picks it only then.
        Tier: 'Intelligent-Tiering',
        // DataType stays `text`: an `aws:ec2:image` value names an AMI of the home region, which the
        // recovery region would refuse to validate. The export records the original data type.
      }),
    );
    return true;
  }

  async function writeExport(parameter: CurrentParameter, key: string): Promise<boolean> {
    if ((await exportedModification(key)) === parameter.lastModified) return false;
    const secret = parameter.type === 'SecureString';
    const document: ParameterExport = {
      format: 'parameter-export/1',
      name: parameter.name,
      type: parameter.type,
      version: parameter.version,
      lastModified: parameter.lastModified,
      dataType: parameter.dataType,
      ...(secret
        ? {
            sealedValue: await sealValue(
              clients.kms,
              settings.exportValueKeyId,
              parameter.name,
              parameter.value,
            ),
          }
        : { value: parameter.value }),
    };
    await putJson(key, document, { [MODIFIED_METADATA]: parameter.lastModified });
    return true;
  }

  async function exportedModification(key: string): Promise<string | undefined> {
    try {
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: settings.exportBucket, Key: key }));
      return head.Metadata?.[MODIFIED_METADATA];
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFound') return undefined;
      throw error;
    }
  }

  async function putJson(
    key: string,
    document: unknown,
    metadata: Record<string, string> = {},
  ): Promise<void> {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: settings.exportBucket,
        Key: key,
        Body: JSON.stringify(document, null, 2),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: settings.exportBucketKeyId,
        BucketKeyEnabled: true,
        Metadata: metadata,
      }),
    );
  }

  async function onChange(event: ParameterChange): Promise<BackupOutcome> {
    const done = startProgress();
    const { name, operation } = event.detail;
    if (!name.startsWith(settings.parameterPrefix)) {
      log('ignored: outside the estate prefix', { name, operation, prefix: settings.parameterPrefix });
      done.ignored.push(name);
      return done;
    }
    if (operation === 'Delete') {
      await deleteRecoveryCopy(name);
      await putJson(tombstoneKey(name), {
        format: 'parameter-tombstone/1',
        name,
        deletedAt: event.time,
        eventId: event.id,
      });
      done.deleted.push(name);
      return done;
    }
    const current = await getParameter(clients.homeSsm, name);
    if (!current) {
      // Deleted again before this event arrived: its Delete event removes the copy.
      log('skipped: the parameter no longer exists', { name, operation });
      return done;
    }
    await backUp(toCurrentParameter(current), done);
    log('backed up', { name, operation, ...done });
    return done;
  }

  async function deleteRecoveryCopy(name: string): Promise<void> {
    try {
      await clients.recoverySsm.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }

  async function onSchedule(event: ScheduledExport): Promise<BackupOutcome> {
    const done = startProgress();
    const entries: { name: string; version: number; key: string }[] = [];
    const pages = paginateGetParametersByPath(
      { client: clients.homeSsm },
      // The path API wants the hierarchy without its trailing slash.
      { Path: settings.parameterPrefix.slice(0, -1), Recursive: true, WithDecryption: true },
    );
    for await (const page of pages) {
      for (const found of page.Parameters ?? []) {
        const parameter = toCurrentParameter(found);
        const key = await backUp(parameter, done);
        entries.push({ name: parameter.name, version: parameter.version, key });
      }
    }
    const key = manifestKey(event.time);
    await putJson(key, {
      format: 'parameter-manifest/1',
      prefix: settings.parameterPrefix,
      exportedAt: event.time,
      parameters: entries,
    });
    log('full export', { manifestKey: key, parameters: entries.length, ...done });
    return { ...done, manifestKey: key };
  }

  return async (input) => {
    const parsed = parseBackupEvent(input);
    return parsed.kind === 'change' ? onChange(parsed.event) : onSchedule(parsed.event);
  };
}

async function getParameter(ssm: SSMClient, name: string): Promise<Parameter | undefined> {
  try {
    const result = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return result.Parameter;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

function toCurrentParameter(parameter: Parameter): CurrentParameter {
  const { Name, Type, Value, Version, LastModifiedDate } = parameter;
  if (!Name || !Type || Value === undefined || Version === undefined || !LastModifiedDate) {
    throw new Error(`parameter-backup: SSM returned an incomplete parameter ${Name ?? '(no name)'}`);
  }
  return {
    name: Name,
    type: Type,
    value: Value,
    version: Version,
    lastModified: LastModifiedDate.toISOString(),
    dataType: parameter.DataType ?? 'text',
  };
}
