import { createHash } from 'node:crypto';
import {
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
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { LAMBDA_PACKAGE_JSON, lambdaBuildOptions } from '../../../scripts/build.ts';

/** The service's Lambda bundle as function code, and the version that names it. */
export interface ServiceLambdaBundle {
  /** The directory holding `index.mjs` (`index.handler`) and its chunks. */
  readonly directory: string;
  /** `<package version>-<first 12 hex of the bundle's sha256>`: the same code is the same version. */
  readonly version: string;
}

let built: ServiceLambdaBundle | undefined;

/**
 * Builds the service's Lambda bundle once per process, with the options of `npm run build`, into a
 * directory named after its content. Why not NodejsFunction: it bundles one file, and the service's cold
 * path depends on esbuild's code splitting (pg and the AWS SDK sit in chunks loaded on the first /store).
 * Why a content-named directory: the same code in every region and profile is one asset, and a stale
 * bundle can never be taken for a new one.
 */
export function serviceLambdaBundle(): ServiceLambdaBundle {
  if (built !== undefined) return built;
  const scratch = mkdtempSync(join(tmpdir(), 'hello-lambda-'));
  try {
    buildSync(lambdaBuildOptions(scratch));
    writeFileSync(join(scratch, 'package.json'), LAMBDA_PACKAGE_JSON);
    const digest = contentDigest(scratch);
    const directory = join(tmpdir(), `hello-lambda-${digest.slice(0, 16)}`);
    try {
      renameSync(scratch, directory);
    } catch (error) {
      // Another synthesis (the other profile's, in parallel) put the same content there first.
      if (!existsSync(join(directory, 'index.mjs'))) throw error;
      rmSync(scratch, { recursive: true, force: true });
    }
    built = { directory, version: `${packageVersion()}-${digest.slice(0, 12)}` };
    return built;
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`building the service's Lambda bundle failed: ${(error as Error).message}`);
  }
}

/** The bundle as Lambda code (an asset named by its content). */
export function serviceLambdaCode(): lambda.Code {
  return lambda.Code.fromAsset(serviceLambdaBundle().directory);
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

function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
