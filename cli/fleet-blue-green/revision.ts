import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type Zippable, zipSync } from 'fflate';

// The agent runs the hooks as programs: a revision tree that crossed a pipeline artifact may have lost
// its modes, so the zip gives every script its execute bit back (as npm run bundle:codedeploy does).
const EXECUTABLE = 0o755;
const REGULAR = 0o644;
const UNIX = 3;
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

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
  const files = await listFiles(path);
  const names = files.map((file) => relative(path, file).split('\\').join('/')).sort();
  if (!names.includes('appspec.yml')) {
    throw new Error(`--revision ${path}: no appspec.yml at the root of the directory`);
  }
  const zippable: Zippable = {};
  for (const name of names) {
    const mode = name.startsWith('scripts/') ? EXECUTABLE : REGULAR;
    zippable[name] = [
      new Uint8Array(await readFile(join(path, name))),
      { os: UNIX, attrs: (0o100000 | mode) << 16, mtime: FIXED_MTIME },
    ];
  }
  return zipSync(zippable, { level: 9 });
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}
