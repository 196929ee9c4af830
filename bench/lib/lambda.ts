import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { runToEnd } from './child.ts';

/** One file of an esbuild metafile's `inputs`: its size and what it imports. */
export interface MetafileInput {
  readonly bytes: number;
  readonly imports: readonly { readonly path: string; readonly kind: string; readonly external?: boolean }[];
}

/**
 * The files a module graph loads before its entry runs: the entry and everything reachable through
 * static `import`/`export … from` statements. Dynamic `import()` edges are where loading is deferred,
 * so they are not followed.
 */
export function staticClosure(inputs: Readonly<Record<string, MetafileInput>>, entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of inputs[file]?.imports ?? []) {
      if (edge.kind === 'import-statement' && edge.external !== true) pending.push(edge.path);
    }
  }
  return [...seen];
}

export interface FileSize {
  readonly file: string;
  readonly bytes: number;
  readonly minifiedBytes: number;
}

export interface Footprint {
  /** Loaded before the handler can answer anything, `GET /` included. */
  readonly eager: readonly FileSize[];
  /** Loaded only when a route asks for them (`import()`). */
  readonly lazy: readonly FileSize[];
}

async function sizeOf(file: string, root: string): Promise<FileSize> {
  const code = readFileSync(file, 'utf8');
  // Minified again here so the figure holds whether or not the build minifies.
  const minified = await transform(code, { minify: true, loader: 'js', format: 'esm', platform: 'node' });
  return {
    file: relative(root, file),
    bytes: Buffer.byteLength(code),
    minifiedBytes: Buffer.byteLength(minified.code),
  };
}

/**
 * Eager and lazy files of a built, code-split ESM bundle. esbuild parses the bundle's own output (it
 * is valid ESM) and reports its import graph in a metafile; packages stay external because the
 * figure is about the files the bundle ships.
 */
export async function lambdaFootprint(entry: string, root: string): Promise<Footprint> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-meta-'));
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      outdir,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = result.metafile.inputs;
    const entryKey = relative(root, resolve(root, entry));
    const eager = new Set(staticClosure(inputs, entryKey));
    const all = Object.keys(inputs);
    const sizes = async (files: string[]) => Promise.all(files.map((f) => sizeOf(resolve(root, f), root)));
    return {
      eager: await sizes(all.filter((f) => eager.has(f))),
      lazy: await sizes(all.filter((f) => !eager.has(f))),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What cold-start.mjs prints. */
export interface ColdStart {
  readonly bootMs: number;
  readonly importMs: number;
  readonly invokeMs: number;
  readonly totalMs: number;
  readonly statusCode: number;
  readonly body: string;
  readonly maxRssKb: number;
  readonly store?: { readonly statusCode: number };
}

const driver = fileURLToPath(new URL('./cold-start.mjs', import.meta.url));
export const bareHandler = fileURLToPath(new URL('./bare-handler.mjs', import.meta.url));

/** One fresh `node` process; the handler's own log lines share stdout, so the last line is ours. */
export async function coldStart(
  modulePath: string,
  env: NodeJS.ProcessEnv,
  loadLog?: string,
): Promise<ColdStart> {
  const args = loadLog === undefined ? [driver, modulePath] : [driver, modulePath, loadLog];
  const { code, stdout, stderr } = await runToEnd(process.execPath, args, env);
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{"bootMs"')) {
    throw new Error(`cold start of ${modulePath} failed (exit ${code}):\n${stderr || stdout}`);
  }
  return JSON.parse(last) as ColdStart;
}
