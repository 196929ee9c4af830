// Step 3 of the account-loss runbook: the parameter export brought back into Parameter Store of the
// recovered regions: the newest exported version of each parameter (the full export's manifest, and every
// change exported since), SecureStrings unsealed with the recovery account's key. Never over a newer
// value; a second run skips what is there.
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { GetParameterCommand, type Parameter, PutParameterCommand } from '@aws-sdk/client-ssm';
import { AWS_REGIONS } from '../../infra/config/index.ts';
import type { ParameterExport } from '../../infra/functions/parameter-backup/backup.ts';
import { unsealValue } from '../../infra/functions/parameter-backup/envelope.ts';
import { call, errorName, type RecoverClients, RecoverError } from './clients.ts';
import { type ParameterManifest, readJson, type SourceLocations } from './find.ts';

/** One parameter to bring back: the export document of its newest version. */
export interface ParameterToImport {
  readonly name: string;
  readonly version: number;
  readonly key: string;
}

/** What the import will do: the parameters it brings back and those it leaves, with why. */
export interface ImportPlan {
  readonly parameters: readonly ParameterToImport[];
  readonly left: readonly { readonly name: string; readonly why: string }[];
}

interface Listed {
  versions: { version: number; key: string; modified: Date }[];
  deleted?: Date;
}

const EXPORT_KEY = /^parameters(\/.+)\/(\d+|deleted)\.json$/;

/** Every export document and tombstone under `parameters/`, by parameter name. */
async function listExports(clients: RecoverClients, replica: SourceLocations['replica']) {
  const byName = new Map<string, Listed>();
  await call('s3:ListObjectsV2', replica.region, async () => {
    const pages = paginateListObjectsV2(
      { client: clients.s3(replica.region) },
      { Bucket: replica.bucket, Prefix: 'parameters/' },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const match = EXPORT_KEY.exec(object.Key ?? '');
        if (match === null || object.LastModified === undefined) continue;
        const name = match[1] ?? '';
        const entry = byName.get(name) ?? { versions: [] };
        if (match[2] === 'deleted') entry.deleted = object.LastModified;
        else
          entry.versions.push({
            version: Number(match[2]),
            key: object.Key ?? '',
            modified: object.LastModified,
          });
        byName.set(name, entry);
      }
    }
  });
  return byName;
}

/**
 * Which parameters come back. Each of the manifest's, at its newest exported version, and each exported
 * after the manifest; not one deleted after its last export, nor a `/<app>/<region>/…` fact the lost
 * account's stacks published about their own resources (the recovered stacks publish their own, and a
 * stack cannot create a parameter that already exists). A manifest entry with no document is an export
 * missing: the import refuses rather than bring back less than the export promised.
 */
export async function planImport(
  clients: RecoverClients,
  replica: SourceLocations['replica'],
  manifest: ParameterManifest,
): Promise<ImportPlan> {
  const listed = await listExports(clients, replica);
  const prefix = manifest.prefix.replace(/\/$/, '');
  const regionScoped = new RegExp(`^${prefix}/(${AWS_REGIONS.join('|')})/`);
  const missing = manifest.parameters.filter(
    (p) => !(listed.get(p.name)?.versions ?? []).some((v) => v.version >= p.version),
  );
  if (missing.length > 0)
    throw new RecoverError(
      `the parameter export is incomplete: s3://${replica.bucket} lacks ${missing.map((p) => p.key).join(', ')}, which the manifest lists (is the replication of the export bucket failing?)`,
    );
  const names = [...new Set([...manifest.parameters.map((p) => p.name), ...listed.keys()])].sort();
  const parameters: ParameterToImport[] = [];
  const left: ImportPlan['left'][number][] = [];
  for (const name of names) {
    const entry = listed.get(name);
    // By export time, not version: a parameter deleted and created again starts at version 1 again.
    const newest = entry?.versions.reduce((a, b) => (b.modified > a.modified ? b : a));
    if (newest === undefined) continue;
    if (regionScoped.test(name)) {
      left.push({ name, why: "a fact of the lost account's stacks; the recovered stacks publish their own" });
      continue;
    }
    if (entry?.deleted !== undefined && entry.deleted >= newest.modified) {
      left.push({ name, why: 'deleted after its last export' });
      continue;
    }
    parameters.push({ name, version: newest.version, key: newest.key });
  }
  return { parameters, left };
}

/** What the import did, per region. */
export interface ImportOutcome {
  readonly imported: readonly { readonly name: string; readonly region: string }[];
  readonly skipped: readonly { readonly name: string; readonly region: string; readonly why: string }[];
}

async function currentParameter(
  clients: RecoverClients,
  region: string,
  name: string,
): Promise<Parameter | undefined> {
  return call('ssm:GetParameter', region, async () => {
    try {
      const { Parameter } = await clients
        .ssm(region)
        .send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return Parameter;
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw error;
    }
  });
}

/** Reads each planned document, unseals it, and writes it to every region unless a newer value is there. */
export async function importParameters(
  clients: RecoverClients,
  replica: SourceLocations['replica'],
  plan: ImportPlan,
  regions: readonly string[],
  note: (line: string) => void,
): Promise<ImportOutcome> {
  const imported: ImportOutcome['imported'][number][] = [];
  const skipped: ImportOutcome['skipped'][number][] = [];
  for (const parameter of plan.parameters) {
    const document = (await readJson(clients, replica, parameter.key)) as ParameterExport | undefined;
    if (document === undefined)
      throw new RecoverError(
        `the parameter export is incomplete: s3://${replica.bucket}/${parameter.key} disappeared while importing`,
      );
    if (document.format !== 'parameter-export/1' || document.name !== parameter.name)
      throw new RecoverError(
        `s3://${replica.bucket}/${parameter.key} is not the export of ${parameter.name}`,
      );
    const sealed = document.sealedValue;
    const keyRegion = sealed?.keyId.split(':')[3] ?? replica.region;
    const value =
      sealed === undefined
        ? (document.value ?? '')
        : await call('kms:Decrypt', keyRegion, () => unsealValue(clients.kms(keyRegion), sealed));
    const exportedAt = new Date(document.lastModified);
    for (const region of regions) {
      const current = await currentParameter(clients, region, parameter.name);
      if (current?.LastModifiedDate !== undefined && current.LastModifiedDate > exportedAt) {
        skipped.push({ name: parameter.name, region, why: 'newer there than the export' });
        continue;
      }
      if (current?.Value === value && current.Type === document.type) {
        skipped.push({ name: parameter.name, region, why: 'already imported' });
        continue;
      }
      await call('ssm:PutParameter', region, () =>
        clients.ssm(region).send(
          new PutParameterCommand({
            Name: parameter.name,
            Value: value,
            Type: document.type as 'String' | 'StringList' | 'SecureString',
            // The AWS-managed key exists in every region of every account and every role that may read
            // the parameter may decrypt through SSM: the recovered estate's key grants are not needed.
            KeyId: document.type === 'SecureString' ? 'alias/aws/ssm' : undefined,
            Overwrite: current !== undefined,
            // A value over 4 KB needs the advanced tier; intelligent tiering picks it only then. DataType
            // stays `text`: an `aws:ec2:image` value names an AMI of the lost account.
            Tier: 'Intelligent-Tiering',
          }),
        ),
      );
      imported.push({ name: parameter.name, region });
      note(`  imported ${parameter.name} (version ${parameter.version}) into ${region}`);
    }
  }
  return { imported, skipped };
}
