import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';

// Bundles the service into the artifacts every engine deploys:
//   dist/server.mjs          web mode, one file (EC2, ASG, Beanstalk, ECS)
//   dist/lambda/index.mjs    Lambda mode entry (`index.handler`) plus lazily loaded chunks, so that
//                            answering `GET /` never parses pg or the AWS SDK.

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The code the Lambda runtime loads to answer `GET /` may not exceed this (minified). */
export const LAMBDA_ENTRY_BUDGET_BYTES = 100 * 1024;

/** What a build produced. */
export interface BuildResult {
  /** Absolute path of the web-mode bundle. */
  readonly server: string;
  /** Absolute path of the Lambda entry module. */
  readonly lambdaEntry: string;
  /** Byte size of every output file, by path relative to the output directory. */
  readonly sizes: ReadonlyMap<string, number>;
  /** Bytes of the Lambda entry plus every chunk it imports statically (loaded at cold start). */
  readonly lambdaColdBytes: number;
  /** esbuild's description of the web build. */
  readonly webMetafile: Metafile;
  /** esbuild's description of the Lambda build (inputs of each chunk). */
  readonly lambdaMetafile: Metafile;
  /** The Lambda entry's key in `lambdaMetafile.outputs`. */
  readonly lambdaEntryOutput: string;
}

// pg and the AWS SDK are CommonJS and call require(); an ESM bundle has no require unless given one.
const requireBanner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  // PGlite's WASM and data files cannot be bundled; it stays a run-time import that cloud bundles lack.
  external: ['@electric-sql/pglite', 'pg-native'],
  banner: { js: requireBanner },
  metafile: true,
  logLevel: 'warning',
};

/** The web-mode bundle, one file: what the EC2 engines, Beanstalk and the container run. */
export function webBuildOptions(outfile: string): BuildOptions {
  return { ...common, entryPoints: [join(root, 'service/src/server.ts')], outfile };
}

/**
 * The Lambda bundle written to `outdir`: `index.mjs` (`index.handler`) and the chunks it loads lazily.
 * The serverless engine's stack builds the same bundle (synchronously) as its function's code.
 */
export function lambdaBuildOptions(outdir: string): BuildOptions {
  return {
    ...common,
    entryPoints: { index: join(root, 'service/src/lambda.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  };
}

/** Lets the Lambda runtime (and node) treat the bundle's .mjs files as ES modules without a lookup. */
export const LAMBDA_PACKAGE_JSON = '{"type":"module"}\n';

/** A version label the service accepts (its APP_VERSION check). */
export const VERSION_LABEL = /^[\w.:/@+-]{1,128}$/;

/**
 * Where an Elastic Beanstalk source bundle carries its version. In the bundle, not in the environment's
 * settings: those take precedence over `.ebextensions`, and a pipeline deploy changes only the bundle.
 */
export const BEANSTALK_VERSION_FILE = '.ebextensions/app-version.config';

/** The `.ebextensions` file that sets APP_VERSION for the version a Beanstalk source bundle carries. */
export function beanstalkVersionConfig(version: string): string {
  if (!VERSION_LABEL.test(version)) throw new Error(`invalid version ${JSON.stringify(version)}`);
  return `option_settings:\n  aws:elasticbeanstalk:application:environment:\n    APP_VERSION: "${version}"\n`;
}

/** Builds both bundles into `outdir` (default: the repository's dist/). */
export async function buildService(outdir = join(root, 'dist')): Promise<BuildResult> {
  const lambdaDir = join(outdir, 'lambda');
  await rm(lambdaDir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const server = join(outdir, 'server.mjs');
  const [web, lambda] = await Promise.all([
    build(webBuildOptions(server)),
    build(lambdaBuildOptions(lambdaDir)),
  ]);
  await writeFile(join(lambdaDir, 'package.json'), LAMBDA_PACKAGE_JSON);
  const sizes = new Map<string, number>();
  for (const metafile of [web.metafile, lambda.metafile]) {
    for (const [path, output] of Object.entries(metafile?.outputs ?? {})) {
      sizes.set(relative(outdir, resolve(root, path)), output.bytes);
    }
  }
  const lambdaEntry = join(lambdaDir, 'index.mjs');
  const lambdaMetafile = lambda.metafile as Metafile;
  return {
    server,
    lambdaEntry,
    sizes,
    lambdaColdBytes: coldLoadBytes(lambdaMetafile, relative(root, lambdaEntry)),
    lambdaEntryOutput: relative(root, lambdaEntry),
    webMetafile: web.metafile as Metafile,
    lambdaMetafile,
  };
}

/** The entry chunk plus every output reachable from it through static imports: what a cold start loads. */
export function staticallyReachable(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return [...seen];
}

function coldLoadBytes(metafile: Metafile, entry: string): number {
  return staticallyReachable(metafile, entry).reduce(
    (total, path) => total + (metafile.outputs[path]?.bytes ?? 0),
    0,
  );
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await buildService();
  for (const [path, bytes] of [...result.sizes].sort())
    console.log(`${kib(bytes).padStart(10)}  dist/${path}`);
  console.log(
    `${kib(result.lambdaColdBytes).padStart(10)}  Lambda code loaded to answer GET / ` +
      `(budget ${kib(LAMBDA_ENTRY_BUDGET_BYTES)})`,
  );
  if (result.lambdaColdBytes > LAMBDA_ENTRY_BUDGET_BYTES) {
    console.error('the Lambda entry exceeds its budget');
    process.exitCode = 1;
  }
}
