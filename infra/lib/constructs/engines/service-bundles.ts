import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import {
  BEANSTALK_VERSION_FILE,
  beanstalkVersionConfig,
  LAMBDA_PACKAGE_JSON,
  lambdaBuildOptions,
  VERSION_LABEL,
  webBuildOptions,
} from '../../../../scripts/build.ts';

/** A bundle of the service built at synthesis, and the version that names it. */
export interface ServiceBundle {
  /** The directory holding it, named after its content. */
  readonly directory: string;
  /**
   * The release's version when the release build synthesizes (`RELEASE_VERSION`, `<package
   * version>-<commit 12>`), else `<package version>-<first 12 hex of the bundle's sha256>`: the same code
   * is the same version.
   */
  readonly version: string;
}

/** The variable the release build sets to the version it stamps every artifact with. */
export const RELEASE_VERSION_VARIABLE = 'RELEASE_VERSION';

const built = new Map<string, ServiceBundle>();

/**
 * The service's Lambda bundle: `index.mjs` (`index.handler`) and the chunks it loads lazily, built with
 * the options of `npm run build`. Why not NodejsFunction: it bundles one file, and the service's cold
 * path depends on esbuild's code splitting (pg and the AWS SDK sit in chunks loaded on the first /store).
 */
export function serviceLambdaBundle(): ServiceBundle {
  return released(
    buildOnce('lambda', (directory) => {
      buildSync(lambdaBuildOptions(directory));
      writeFileSync(join(directory, 'package.json'), LAMBDA_PACKAGE_JSON);
    }),
  );
}

/** The bundle as Lambda code (an asset named by its content). */
export function serviceLambdaCode(): lambda.Code {
  return lambda.Code.fromAsset(serviceLambdaBundle().directory);
}

const BEANSTALK_FILES = fileURLToPath(new URL('../../../../deploy/beanstalk/bundle', import.meta.url));

/**
 * The Elastic Beanstalk source bundle: the web-mode `server.mjs`, the Procfile that starts it and the
 * `.ebextensions` the deployment carries (deploy/beanstalk/bundle). CDK zips the directory as the
 * application version's source.
 */
export function beanstalkSourceBundle(): ServiceBundle {
  const { directory: code, version } = released(
    buildOnce('beanstalk', (directory) => {
      cpSync(BEANSTALK_FILES, directory, { recursive: true });
      cpSync(webBundle(), join(directory, 'server.mjs'));
    }),
  );
  // The bundle states its version itself (BEANSTALK_VERSION_FILE), as the pipeline's bundle does.
  return buildOnce(
    `beanstalk@${version}`,
    (directory) => {
      cpSync(code, directory, { recursive: true });
      writeFileSync(join(directory, BEANSTALK_VERSION_FILE), beanstalkVersionConfig(version));
    },
    version,
  );
}

const CONTAINER_FILES = fileURLToPath(new URL('../../../../deploy/container', import.meta.url));

/**
 * The container image's build context: the Dockerfile of deploy/container and the web-mode `server.mjs`
 * it copies. CDK hashes the directory at synthesis and builds the image only when it publishes (a Docker
 * engine is needed to deploy, not to synthesize).
 */
export function containerBuildContext(): ServiceBundle {
  return released(
    buildOnce('container', (directory) => {
      cpSync(CONTAINER_FILES, directory, {
        recursive: true,
        filter: (source) => !source.endsWith('README.md'),
      });
      cpSync(webBundle(), join(directory, 'server.mjs'));
    }),
  );
}

/**
 * The web-mode `server.mjs` alone, for the golden image's test component to boot on a test instance (a
 * file asset: uploaded as is, named by its content).
 */
export function serviceWebBundleFile(): string {
  return join(
    buildOnce('image-test', (directory) => cpSync(webBundle(), join(directory, 'server.mjs'))).directory,
    'server.mjs',
  );
}

/** The web-mode `server.mjs`, built once per process for every engine that ships it. */
function webBundle(): string {
  const { directory } = buildOnce('web', (scratch) => {
    buildSync(webBuildOptions(join(scratch, 'server.mjs')));
  });
  return join(directory, 'server.mjs');
}

/**
 * Builds a bundle once per process into a directory named after its content. Why content-named: the
 * same code in every region and profile is one asset, and a stale bundle can never pass for a new one.
 */
function buildOnce(kind: string, fill: (directory: string) => void, version?: string): ServiceBundle {
  const known = built.get(kind);
  if (known !== undefined) return known;
  const scratch = mkdtempSync(join(tmpdir(), `hello-${kind}-`));
  try {
    fill(scratch);
    const digest = contentDigest(scratch);
    const directory = join(tmpdir(), `hello-${kind.replace(/@.*/, '')}-${digest.slice(0, 16)}`);
    try {
      renameSync(scratch, directory);
    } catch (error) {
      // Another synthesis (the other profile's, in parallel) put the same content there first.
      if (!existsSync(directory)) throw error;
      rmSync(scratch, { recursive: true, force: true });
    }
    const bundle = { directory, version: version ?? `${packageVersion()}-${digest.slice(0, 12)}` };
    built.set(kind, bundle);
    return bundle;
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`building the service's ${kind} bundle failed: ${(error as Error).message}`);
  }
}

function contentDigest(directory: string): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(directory)) {
    hash.update(relative(directory, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The bundle under the release build's version, when that build synthesizes; else as built. */
function released(bundle: ServiceBundle): ServiceBundle {
  const version = process.env[RELEASE_VERSION_VARIABLE];
  if (version === undefined || version === '') return bundle;
  if (!VERSION_LABEL.test(version))
    throw new Error(
      `${RELEASE_VERSION_VARIABLE}=${JSON.stringify(version)}: expected 1-128 letters, digits or . : / @ + - _`,
    );
  return { ...bundle, version };
}

function packageVersion(): string {
  const file = new URL('../../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
