import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Zippable, zipSync } from 'fflate';
import { buildService, VERSION_LABEL } from './build.ts';

// Builds the CodeDeploy revision for the EC2 engines: one zip whose root holds appspec.yml, VERSION,
// app/server.mjs, scripts/*.sh and config/*, installed under /opt/hello by the agent.
//   npm run bundle:codedeploy   ->   dist/codedeploy/hello-<version>.zip

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const revisionSource = join(root, 'deploy', 'codedeploy');

/** Options of `bundleCodeDeploy`. */
export interface BundleOptions {
  /** The web-mode bundle to ship. @default dist/server.mjs, rebuilt first when missing or stale */
  readonly server?: string;
  /** Where the zip goes. @default dist/codedeploy */
  readonly outDir?: string;
  /** The version written to VERSION and the file name. @default package.json version + git short sha */
  readonly version?: string;
}

/** What `bundleCodeDeploy` wrote. */
export interface Bundle {
  readonly path: string;
  readonly bytes: number;
  readonly version: string;
  /** Every entry of the zip, sorted. */
  readonly entries: readonly string[];
}

// The agent runs hooks as programs: they carry their execute bit inside the zip, whatever the checkout's
// file modes (a Windows clone has none).
const EXECUTABLE = 0o755;
const REGULAR = 0o644;
// Zip entries carry a DOS timestamp that cannot go before 1980; a fixed one keeps builds reproducible.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');
const UNIX = 3;

/** Writes the revision zip and returns where it is. */
export async function bundleCodeDeploy(options: BundleOptions = {}): Promise<Bundle> {
  const server = options.server ?? (await freshServerBundle());
  const version = options.version ?? (await defaultVersion());
  if (!VERSION_LABEL.test(version)) throw new Error(`invalid version ${JSON.stringify(version)}`);
  const files = new Map<string, Uint8Array>();
  const sources = [
    join(revisionSource, 'appspec.yml'),
    ...(await listFiles(join(revisionSource, 'scripts'))),
    ...(await listFiles(join(revisionSource, 'config'))),
  ];
  for (const path of sources) {
    const name = relative(revisionSource, path).split('\\').join('/');
    files.set(name, await readFile(path));
  }
  files.set('VERSION', new TextEncoder().encode(`${version}\n`));
  files.set('app/server.mjs', await readFile(server));

  const entries = [...files.keys()].sort();
  const zip = zipRevision(files);
  const outDir = options.outDir ?? join(root, 'dist', 'codedeploy');
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, `hello-${version}.zip`);
  await writeFile(path, zip);
  return { path, bytes: zip.byteLength, version, entries };
}

/**
 * A revision zip of `files` (by entry name): entries sorted, `scripts/` executable and the rest not,
 * one fixed timestamp, so the same files give the same bytes.
 */
export function zipRevision(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const name of [...files.keys()].sort()) {
    const mode = name.startsWith('scripts/') ? EXECUTABLE : REGULAR;
    zippable[name] = [
      files.get(name) as Uint8Array,
      { os: UNIX, attrs: (0o100000 | mode) << 16, mtime: FIXED_MTIME },
    ];
  }
  return zipSync(zippable, { level: 9 });
}

/** Every file below `dir`, at any depth. */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/** package.json's version, plus the commit when this is a git checkout: `0.1.0-1a2b3c4`. */
async function defaultVersion(): Promise<string> {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return sha ? `${version}-${sha}` : version;
  } catch {
    return version;
  }
}

/** dist/server.mjs, rebuilt when it is missing or older than any source it is built from. */
async function freshServerBundle(): Promise<string> {
  const server = join(root, 'dist', 'server.mjs');
  const built = await stat(server).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
  const sources = [
    ...(await listFiles(join(root, 'service', 'src'))),
    join(root, 'scripts', 'build.ts'),
    join(root, 'package-lock.json'),
  ];
  const newest = Math.max(...(await Promise.all(sources.map(async (path) => (await stat(path)).mtimeMs))));
  if (built === undefined || built < newest) {
    console.log(
      built === undefined ? 'dist/server.mjs is missing: building' : 'dist/server.mjs is stale: building',
    );
    return (await buildService()).server;
  }
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bundle = await bundleCodeDeploy();
  console.log(
    `${relative(process.cwd(), bundle.path)}  ${(bundle.bytes / 1024).toFixed(1)} KiB  (${bundle.entries.length} files, version ${bundle.version})`,
  );
}
