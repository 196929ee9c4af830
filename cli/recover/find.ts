// Step 1 of the account-loss runbook: what the recovery account holds to restore from, and how old it is
// (the achieved RPO), read before anything changes.
import { paginateListRecoveryPointsByBackupVault } from '@aws-sdk/client-backup';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { RestoreSettings } from '../../infra/config/restore.ts';
import { RELEASE_FILE } from '../../scripts/release/artifacts.ts';
import { type Figure, formatFigure } from '../dr-posture.ts';
import { call, errorName, type RecoverClients, RecoverError, type RegistryImage } from './clients.ts';

/** Where the sources live, all in the recovery account. */
export interface SourceLocations {
  /** The vault of the recovered home region that receives the database's copies. */
  readonly vault: { readonly name: string; readonly region: string };
  /** The replica of the primary account's parameter export bucket. */
  readonly replica: { readonly bucket: string; readonly region: string };
  /** The replicated image repository; undefined when the estate runs no container engine. */
  readonly images?: { readonly repository: string; readonly region: string };
  /**
   * The standby bucket of released bundles: its `latest/` holds the last release delivered; undefined
   * when the estate has no pipeline to deliver one.
   */
  readonly releases?: { readonly bucket: string; readonly region: string };
}

/** The fields of a delivered release.json (scripts/release/artifacts.ts) the runbook reads. */
const releaseSchema = z.object({
  version: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'expected a git commit'),
  imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'expected an image tag'),
  builtAt: z.iso.datetime({ offset: true }),
});

/** The last release delivered into the recovery account: what the recovered estate should run. */
export interface DeliveredRelease {
  readonly version: string;
  readonly commit: string;
  readonly imageTag: string;
  readonly builtAt: Date;
}

/** A full export's manifest, as the parameter-backup function writes it. */
export interface ParameterManifest {
  readonly format: 'parameter-manifest/1';
  readonly prefix: string;
  readonly exportedAt: string;
  readonly parameters: readonly { readonly name: string; readonly version: number; readonly key: string }[];
}

/** What step 1 found; a source is undefined when the recovery account holds none, `missing` says why. */
export interface FoundSources {
  readonly database?: { readonly snapshotArn: string; readonly createdAt: Date };
  readonly parameters?: { readonly bucket: string; readonly manifestKey: string; readonly exportedAt: Date };
  readonly image?: { readonly tag: string; readonly pushedAt: Date };
  /** The last release delivered; undefined before the first one. */
  readonly release?: DeliveredRelease;
  /** Where the release was looked for (`s3://…/latest/release.json`); undefined without a pipeline. */
  readonly releaseFile?: string;
  /** Per absent source, what its absence means. */
  readonly missing: readonly string[];
}

const SNAPSHOT = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:.+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The newest completed Aurora recovery point of the vault. */
async function newestRecoveryPoint(clients: RecoverClients, vault: SourceLocations['vault']) {
  const { name, region } = vault;
  let newest: { snapshotArn: string; createdAt: Date } | undefined;
  await call('backup:ListRecoveryPointsByBackupVault', region, async () => {
    try {
      const pages = paginateListRecoveryPointsByBackupVault(
        { client: clients.backup(region) },
        { BackupVaultName: name, ByResourceType: 'Aurora' },
      );
      for await (const page of pages) {
        for (const point of page.RecoveryPoints ?? []) {
          const arn = point.RecoveryPointArn ?? '';
          if (point.Status !== 'COMPLETED' || !SNAPSHOT.test(arn) || point.CreationDate === undefined)
            continue;
          if (newest === undefined || point.CreationDate > newest.createdAt)
            newest = { snapshotArn: arn, createdAt: point.CreationDate };
        }
      }
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException')
        throw new RecoverError(
          `the recovery account has no backup vault ${name} in ${region}: was the estate's backup deployed with features.backup?`,
        );
      throw error;
    }
  });
  return newest;
}

/** The newest full export's manifest key in the replica bucket, by its time-named key. */
async function newestManifest(clients: RecoverClients, replica: SourceLocations['replica']) {
  const { bucket, region } = replica;
  return call('s3:ListObjectsV2', region, async () => {
    let newest: string | undefined;
    try {
      const pages = paginateListObjectsV2(
        { client: clients.s3(region) },
        { Bucket: bucket, Prefix: 'manifests/' },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key?.endsWith('.json') && (newest === undefined || object.Key > newest))
            newest = object.Key;
        }
      }
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket')
        throw new RecoverError(`the recovery account has no replica bucket ${bucket} in ${region}`);
      throw error;
    }
    return newest;
  });
}

/** A JSON object of the replica bucket; undefined when the key does not exist. */
export async function readJson(
  clients: RecoverClients,
  replica: SourceLocations['replica'],
  key: string,
): Promise<unknown> {
  return call('s3:GetObject', replica.region, async () => {
    try {
      const { Body } = await clients
        .s3(replica.region)
        .send(new GetObjectCommand({ Bucket: replica.bucket, Key: key }));
      return JSON.parse((await Body?.transformToString()) ?? 'null') as unknown;
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  });
}

/** The manifest at `key`, checked to be one. */
export async function readManifest(
  clients: RecoverClients,
  replica: SourceLocations['replica'],
  key: string,
): Promise<ParameterManifest> {
  const manifest = (await readJson(clients, replica, key)) as Partial<ParameterManifest> | undefined;
  if (
    manifest?.format !== 'parameter-manifest/1' ||
    typeof manifest.exportedAt !== 'string' ||
    !Array.isArray(manifest.parameters)
  )
    throw new RecoverError(`s3://${replica.bucket}/${key} is not a parameter-manifest/1 document`);
  return manifest as ParameterManifest;
}

/** The newest tagged image of the replicated repository. */
async function registryImages(clients: RecoverClients, images: NonNullable<SourceLocations['images']>) {
  return call('ecr:DescribeImages', images.region, () =>
    clients.describeImages(images.region, images.repository),
  );
}

/** The newest tagged image. */
function newestImage(found: readonly RegistryImage[]) {
  let newest: { tag: string; pushedAt: Date } | undefined;
  for (const image of found) {
    const tag = image.imageTags?.find((t) => TAG.test(t));
    if (tag === undefined || image.imagePushedAt === undefined) continue;
    if (newest === undefined || image.imagePushedAt > newest.pushedAt)
      newest = { tag, pushedAt: image.imagePushedAt };
  }
  return newest;
}

/** The image tagged `tag`, if the repository holds it. */
function taggedImage(found: readonly RegistryImage[], tag: string) {
  const image = found.find((i) => i.imageTags?.includes(tag) && i.imagePushedAt !== undefined);
  return image?.imagePushedAt === undefined ? undefined : { tag, pushedAt: image.imagePushedAt };
}

/** `latest/release.json` of the standby bucket, checked; undefined when no release was delivered yet. */
async function deliveredRelease(
  clients: RecoverClients,
  releases: NonNullable<SourceLocations['releases']>,
  key: string,
): Promise<DeliveredRelease | undefined> {
  const document = await readJson(clients, releases, key);
  if (document === undefined) return undefined;
  const parsed = releaseSchema.safeParse(document);
  if (!parsed.success)
    throw new RecoverError(
      `s3://${releases.bucket}/${key} is not a delivered release (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  return { ...parsed.data, builtAt: new Date(parsed.data.builtAt) };
}

// What the recovered ECS engine runs without a restored image (see ReleasedImage).
const NO_IMAGE =
  'the ECS engine would run the image `cdk deploy` builds from this checkout, not the last release';

/** Reads every source; an absent one is noted with what it means, a failed read throws. */
export async function findSources(
  clients: RecoverClients,
  where: SourceLocations,
): Promise<FoundSources & { readonly manifest?: ParameterManifest }> {
  const missing: string[] = [];
  const database = await newestRecoveryPoint(clients, where.vault);
  if (database === undefined)
    missing.push(
      `no completed Aurora recovery point in ${where.vault.name} (${where.vault.region}): the recovered database would start empty, every record lost`,
    );
  const manifestKey = await newestManifest(clients, where.replica);
  const manifest =
    manifestKey === undefined ? undefined : await readManifest(clients, where.replica, manifestKey);
  if (manifestKey === undefined || manifest === undefined)
    missing.push(
      `no parameter export (manifests/*.json) in s3://${where.replica.bucket}: the estate's own parameters would be lost`,
    );
  const releaseKey = `latest/${RELEASE_FILE}`;
  const releaseFile =
    where.releases === undefined ? undefined : `s3://${where.releases.bucket}/${releaseKey}`;
  const release =
    where.releases === undefined ? undefined : await deliveredRelease(clients, where.releases, releaseKey);
  let image: FoundSources['image'];
  if (where.images !== undefined) {
    const { repository, region } = where.images;
    const found = await registryImages(clients, where.images).catch((error: unknown) => {
      missing.push(`${(error as Error).message}: ${NO_IMAGE}`);
      return undefined;
    });
    if (found !== undefined && release !== undefined) {
      image = taggedImage(found, release.imageTag);
      // Not the newest instead: a newer push may be a release the waves rolled back.
      if (image === undefined)
        missing.push(
          `the released image ${release.imageTag} (version ${release.version}) is not in ${repository} (${region}): has the registry's replication to the recovery account stopped? ${NO_IMAGE}`,
        );
    } else if (found !== undefined) {
      image = newestImage(found);
      if (image === undefined) missing.push(`no tagged image in ${repository} (${region}): ${NO_IMAGE}`);
    }
  }
  return {
    ...(database === undefined ? {} : { database }),
    ...(manifestKey === undefined || manifest === undefined
      ? {}
      : {
          parameters: {
            bucket: where.replica.bucket,
            manifestKey,
            exportedAt: new Date(manifest.exportedAt),
          },
          manifest,
        }),
    ...(image === undefined ? {} : { image }),
    ...(release === undefined ? {} : { release }),
    ...(releaseFile === undefined ? {} : { releaseFile }),
    missing,
  };
}

/** `2 h 5 min`, `40 s`: an age for a reader. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The designed RPOs the found sources are held to (from the DR report's rows). */
export interface DesignedRpo {
  /** The database's, for the vault the runbook reads. */
  readonly database: Figure;
  /** The parameters'. */
  readonly parameters: Figure;
}

/**
 * One line per source with its age against the designed RPO, and the problems that stop the runbook
 * unless accepted: a source missing, or the database's point older than its designed RPO.
 */
export function judgeSources(
  found: FoundSources,
  designed: DesignedRpo,
  now: Date,
): { readonly lines: readonly string[]; readonly problems: readonly string[] } {
  const lines: string[] = [];
  const problems = [...found.missing];
  if (found.database !== undefined) {
    const ms = now.getTime() - found.database.createdAt.getTime();
    lines.push(
      `database: ${found.database.snapshotArn}, taken ${found.database.createdAt.toISOString()}, ${age(ms)} old (achieved RPO; designed ${formatFigure(designed.database)})`,
    );
    if (designed.database.kind === 'seconds' && ms > designed.database.seconds * 1000)
      problems.push(
        `the newest recovery point is ${age(ms)} old, older than the designed RPO ${formatFigure(designed.database)}: every write after ${found.database.createdAt.toISOString()} would be lost (is the backup plan or the copy to the recovery account failing?)`,
      );
  }
  if (found.parameters !== undefined)
    lines.push(
      `parameters: s3://${found.parameters.bucket}/${found.parameters.manifestKey}, exported ${found.parameters.exportedAt.toISOString()}, ${age(now.getTime() - found.parameters.exportedAt.getTime())} old; each change exported since is imported too (designed RPO ${formatFigure(designed.parameters)})`,
    );
  const { release } = found;
  if (release !== undefined)
    lines.push(
      `release: version ${release.version}, commit ${release.commit}, built ${release.builtAt.toISOString()}, ${age(now.getTime() - release.builtAt.getTime())} old (${found.releaseFile}): check out commit ${release.commit} before the deploy (git checkout ${release.commit}); the Beanstalk, Serverless and EC2 engines deploy from the checkout`,
    );
  else
    lines.push(
      `release: ${found.releaseFile === undefined ? 'none, the estate has no pipeline (features.pipeline) to deliver one' : `none delivered yet (no ${found.releaseFile})`}: the image is the newest pushed, which may be a release the waves rolled back, and the engines deploy the checkout as it is`,
    );
  if (found.image !== undefined)
    lines.push(
      `image: ${found.image.tag}${release === undefined ? ' (the newest)' : ' (the released one)'}, pushed ${found.image.pushedAt.toISOString()}, ${age(now.getTime() - found.image.pushedAt.getTime())} old`,
    );
  return { lines, problems };
}

/** The restore file's content: what the recovered estate restores from. */
export function restoreSettings(found: FoundSources, chosenAt: Date): RestoreSettings {
  return {
    chosenAt: chosenAt.toISOString(),
    ...(found.database === undefined
      ? {}
      : {
          database: {
            snapshotArn: found.database.snapshotArn,
            createdAt: found.database.createdAt.toISOString(),
          },
        }),
    ...(found.parameters === undefined
      ? {}
      : {
          parameters: {
            bucket: found.parameters.bucket,
            manifestKey: found.parameters.manifestKey,
            exportedAt: found.parameters.exportedAt.toISOString(),
          },
        }),
    ...(found.image === undefined
      ? {}
      : { image: { tag: found.image.tag, pushedAt: found.image.pushedAt.toISOString() } }),
  };
}
