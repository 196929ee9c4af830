import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { listFiles, zipRevision } from '../../scripts/bundle-codedeploy.ts';

// The agent runs the hooks as programs: a revision tree that crossed a pipeline artifact may have lost
// its modes, so the zip gives every script its execute bit back, as npm run bundle:codedeploy does.

/**
 * The revision to deploy, as a zip: a `.zip` file is taken as it is; a directory (the pipeline's
 * revision artifact, appspec.yml at its root) is zipped with `scripts/` executable.
 */
export async function readRevision(path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new Error(`--revision ${path}: no such file or directory`);
  if (info.isFile()) {
    if (!path.endsWith('.zip')) throw new Error(`--revision ${path}: expected a .zip file or a directory`);
    return new Uint8Array(await readFile(path));
  }
  const names = (await listFiles(path)).map((file) => relative(path, file).split('\\').join('/')).sort();
  if (!names.includes('appspec.yml')) {
    throw new Error(`--revision ${path}: no appspec.yml at the root of the directory`);
  }
  const contents = new Map<string, Uint8Array>();
  for (const name of names) contents.set(name, new Uint8Array(await readFile(join(path, name))));
  return zipRevision(contents);
}
