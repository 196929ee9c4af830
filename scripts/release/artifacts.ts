import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';
import { DEFAULT_CONFIG } from '../../infra/config/defaults.ts';
import {
  beanstalkDockerNames,
  DOCKERRUN_FILE,
  type DockerrunOptions,
  dockerrun,
} from '../../infra/lib/constructs/engines/beanstalk/dockerrun.ts';
import { BEANSTALK_VERSION_FILE, beanstalkVersionConfig, buildService } from '../build.ts';
import { bundleCodeDeploy, listFiles, zipRevision } from '../bundle-codedeploy.ts';

// The release build's artifacts, one directory each, named as the pipeline's actions expect them
// (deploy/buildspec.yml hands each directory on as the artifact of the same name):
//   revision/   the CodeDeploy revision of the EC2 engines (appspec.yml at its root)
//   beanstalk/  the Elastic Beanstalk source bundle (Procfile at its root)
//   container/  the image's build context (Dockerfile and server.mjs)
//   images/     imagedefinitions.json for the ECS action, and Dockerrun.aws.json beside it for the
//               Beanstalk Docker environment (ECS-4), the image at the tag: one artifact serves both, as a
//               CodeBuild action has at most five outputs
//   standby/    what the recovery account keeps of the release (CICD-8): revision.zip, beanstalk.zip,
//               lambda.zip, imagedefinitions.json and release.json, which names them
// It runs the same on a laptop: npm run release:artifacts -- --release-id dev --image-uri hello/service:dev

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Options of {@link releaseArtifacts}. */
export interface ReleaseArtifactsOptions {
  /** Where the artifact directories go. */
  readonly outDir: string;
  /** The version every engine reports: package version and commit. */
  readonly version: string;
  /** The pushed image, `<repository uri>:<commit>`. */
  readonly imageUri: string;
  /** The task definition's container name the image definitions must name. */
  readonly containerName: string;
  /** The Beanstalk Docker environment's image (its region's replica, at the tag), log group and region. */
  readonly docker: DockerrunOptions;
  /** The commit released. */
  readonly commit: string;
  /** When the release was built. @default now */
  readonly builtAt?: Date;
}

/** What the recovery account keeps of a release, as `release.json` describes it. */
export interface StandbyRelease {
  /** The version every engine reports. */
  readonly version: string;
  /** The commit released. */
  readonly commit: string;
  /** The image's tag in `hello/service` (replicated to the recovery account's registry). */
  readonly imageTag: string;
  /** The image pushed, `<repository uri>:<tag>`. */
  readonly imageUri: string;
  /** When it was built, ISO 8601. */
  readonly builtAt: string;
  /** Each engine's bundle, by file name beside `release.json`. */
  readonly files: {
    readonly revision: string;
    readonly beanstalk: string;
    readonly lambda: string;
    readonly images: string;
  };
}

/** The file that describes a release in the standby artifact (and in the recovery account's bucket). */
export const RELEASE_FILE = 'release.json';

/** What {@link releaseArtifacts} wrote, by artifact. */
export interface ReleaseArtifacts {
  readonly revision: string;
  readonly beanstalk: string;
  readonly container: string;
  readonly images: string;
  readonly docker: string;
  readonly standby: string;
}

/** Builds the service once and lays out every engine's artifact from that one build. */
export async function releaseArtifacts(options: ReleaseArtifactsOptions): Promise<ReleaseArtifacts> {
  const out = resolve(options.outDir);
  await rm(out, { recursive: true, force: true });
  const { server, lambdaEntry } = await buildService(join(out, 'build'));
  const dirs = {
    revision: join(out, 'revision'),
    beanstalk: join(out, 'beanstalk'),
    container: join(out, 'container'),
    images: join(out, 'images'),
    docker: join(out, 'images'),
    standby: join(out, 'standby'),
  };
  // The revision tree is the zip `npm run bundle:codedeploy` makes, unpacked: CodePipeline zips an
  // artifact itself, and a zip inside it would hide appspec.yml from CodeDeploy.
  const bundle = await bundleCodeDeploy({ server, outDir: join(out, 'build'), version: options.version });
  for (const [name, data] of Object.entries(unzipSync(await readFile(bundle.path)))) {
    const path = join(dirs.revision, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, data);
  }
  await cp(join(root, 'deploy/beanstalk/bundle'), dirs.beanstalk, { recursive: true });
  await cp(server, join(dirs.beanstalk, 'server.mjs'));
  await writeFile(join(dirs.beanstalk, BEANSTALK_VERSION_FILE), beanstalkVersionConfig(options.version));
  await cp(join(root, 'deploy/container'), dirs.container, {
    recursive: true,
    filter: (source) => !source.endsWith('README.md'),
  });
  await cp(server, join(dirs.container, 'server.mjs'));
  await mkdir(dirs.images, { recursive: true });
  await writeFile(
    join(dirs.images, 'imagedefinitions.json'),
    `${JSON.stringify([{ name: options.containerName, imageUri: options.imageUri }])}\n`,
  );
  await writeFile(
    join(dirs.docker, DOCKERRUN_FILE),
    `${JSON.stringify(dockerrun(options.docker), null, 2)}\n`,
  );
  await writeStandby(dirs, { ...options, revisionZip: bundle.path, lambdaDir: dirname(lambdaEntry) });
  return dirs;
}

/**
 * The standby artifact: each engine's bundle as the file its service takes (a CodeDeploy revision zip, a
 * Beanstalk source bundle, a Lambda deployment package, the image definitions) and `release.json`.
 */
async function writeStandby(
  dirs: ReleaseArtifacts,
  options: ReleaseArtifactsOptions & { readonly revisionZip: string; readonly lambdaDir: string },
): Promise<void> {
  const release: StandbyRelease = {
    version: options.version,
    commit: options.commit,
    imageTag: options.imageUri.slice(options.imageUri.lastIndexOf(':') + 1),
    imageUri: options.imageUri,
    builtAt: (options.builtAt ?? new Date()).toISOString(),
    files: {
      revision: 'revision.zip',
      beanstalk: 'beanstalk.zip',
      lambda: 'lambda.zip',
      images: 'imagedefinitions.json',
    },
  };
  const zipOf = async (dir: string) => {
    const files = new Map<string, Uint8Array>();
    for (const path of await listFiles(dir))
      files.set(relative(dir, path).split('\\').join('/'), await readFile(path));
    return zipRevision(files);
  };
  await mkdir(dirs.standby, { recursive: true });
  await cp(options.revisionZip, join(dirs.standby, release.files.revision));
  await writeFile(join(dirs.standby, release.files.beanstalk), await zipOf(dirs.beanstalk));
  await writeFile(join(dirs.standby, release.files.lambda), await zipOf(options.lambdaDir));
  await cp(join(dirs.images, 'imagedefinitions.json'), join(dirs.standby, release.files.images));
  await writeFile(join(dirs.standby, RELEASE_FILE), `${JSON.stringify(release, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      'out-dir': { type: 'string', default: 'dist/release' },
      'release-id': { type: 'string', default: 'dev' },
      'image-uri': { type: 'string' },
      'container-name': { type: 'string', default: 'service' },
      // Empty (the pipeline's variables when the Docker environment is off): the defaults below.
      'docker-image-uri': { type: 'string', default: '' },
      'docker-log-group': { type: 'string', default: '' },
      'docker-region': { type: 'string', default: '' },
    },
    strict: true,
  });
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const commit = values['release-id'];
  const releaseId = commit.slice(0, 12);
  const imageUri = values['image-uri'] ?? `hello/service:${releaseId}`;
  const dockerRegion = values['docker-region'] || (process.env.AWS_REGION ?? DEFAULT_CONFIG.homeRegion);
  const written = await releaseArtifacts({
    outDir: values['out-dir'],
    version: `${version}-${releaseId}`,
    imageUri,
    containerName: values['container-name'],
    docker: {
      image: values['docker-image-uri'] || imageUri,
      logGroup: values['docker-log-group'] || beanstalkDockerNames(DEFAULT_CONFIG, dockerRegion).logGroup,
      region: dockerRegion,
    },
    commit,
  });
  for (const [name, dir] of Object.entries(written)) console.log(`${name.padEnd(10)} ${dir}`);
}
