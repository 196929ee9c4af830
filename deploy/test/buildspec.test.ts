import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../infra/config/index.ts';
import {
  BUILD_ARTIFACTS,
  IMAGE_DEFINITIONS_FILE,
} from '../../infra/lib/constructs/delivery/release-pipeline.ts';
import { BUILDSPEC_PATH } from '../../infra/lib/constructs/delivery/service-build.ts';
import {
  beanstalkDockerNames,
  DOCKER_CONTAINER,
  DOCKERRUN_FILE,
} from '../../infra/lib/constructs/engines/beanstalk/dockerrun.ts';
import { ecsNames } from '../../infra/lib/constructs/engines/ecs/fargate-service.ts';
import { RELEASE_VERSION_VARIABLE } from '../../infra/lib/constructs/engines/service-bundles.ts';
import { ebextensionOptions } from '../../infra/test/support/beanstalk-options.ts';
import { BEANSTALK_VERSION_FILE } from '../../scripts/build.ts';
import { RELEASE_FILE, releaseArtifacts, type StandbyRelease } from '../../scripts/release/artifacts.ts';

const root = join(import.meta.dirname, '../..');
const buildspec = parse(readFileSync(join(root, BUILDSPEC_PATH), 'utf8')) as {
  env: { variables: { RELEASE_DIR: string } };
  phases: Record<string, { commands: string[] }>;
  artifacts: { 'secondary-artifacts': Record<string, { 'base-directory': string; files: string[] }> };
  reports: Record<string, { 'base-directory': string; 'file-format': string }>;
};
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const out = mkdtempSync(join(tmpdir(), 'hello-release-'));
/** The Beanstalk Docker region's replica of hello/service. */
const REPLICA = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/hello/service';
/** The build phase's release:artifacts command, its arguments as bash expands them with `env`. */
function artifactArguments(env: Record<string, string>): string[] {
  const command =
    buildspec.phases.build?.commands.find((c) => c.startsWith('npm run release:artifacts')) ?? '';
  const argv = execFileSync(
    'bash',
    ['-c', `printf '%s\\n' ${command.replace(/^npm run release:artifacts -- /, '')}`],
    {
      env: { RELEASE_DIR: buildspec.env.variables.RELEASE_DIR, ...env },
      encoding: 'utf8',
    },
  );
  return argv.replace(/\n$/, '').split('\n');
}
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('deploy/buildspec.yml', () => {
  it('CICD-1: every command is an npm script of the repository or a script in it', () => {
    const commands = Object.values(buildspec.phases).flatMap((p) => p.commands);
    for (const command of commands) {
      const script = /^npm run ([\w:]+)/.exec(command)?.[1];
      if (script !== undefined) expect(scripts).toHaveProperty(script);
      const file = /^(?:bash|npx tsx) (\S+)/.exec(command)?.[1];
      if (file !== undefined) expect(existsSync(join(root, file))).toBe(true);
    }
    expect(commands).toEqual(expect.arrayContaining(['npm ci', 'npm run lint', 'npm run typecheck']));
    expect(commands.some((c) => c.startsWith('npm test') && c.includes('junit'))).toBe(true);
    expect(Object.values(buildspec.reports)).toEqual([
      expect.objectContaining({ 'base-directory': 'dist/reports', 'file-format': 'JUNITXML' }),
    ]);
  });

  it('GOV-4: the image gate runs right after the push, on the pushed tag, before anything is synthesized or published', () => {
    const commands = buildspec.phases.build?.commands ?? [];
    const push = commands.findIndex((c) => c.startsWith('bash deploy/release/push-image.sh'));
    expect(push).toBeGreaterThanOrEqual(0);
    expect(commands[push + 1]).toBe(
      `npx tsx deploy/release/image-findings.ts --repository "\${IMAGE_REPOSITORY_URI#*/}" --tag "\${RELEASE_ID:0:12}" --timeout 900`,
    );
    expect(commands[push]).toContain(`"$IMAGE_REPOSITORY_URI" "\${RELEASE_ID:0:12}"`);
    // The gate's arguments, as bash expands them in the build: the repository name and the pushed tag.
    const argv = execFileSync(
      'bash',
      ['-c', `printf '%s\\n' ${commands[push + 1]?.replace(/^npx tsx \S+ /, '')}`],
      {
        env: {
          IMAGE_REPOSITORY_URI: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service',
          RELEASE_ID: 'abcdef1234567890abcdef1234567890abcdef12',
        },
        encoding: 'utf8',
      },
    );
    expect(argv.trim().split('\n')).toEqual([
      '--repository',
      'hello/service',
      '--tag',
      'abcdef123456',
      '--timeout',
      '900',
    ]);
  });

  it('FN-3, EB-4: the synthesis runs with the release version exported, so the stacks it writes carry it', () => {
    const commands = buildspec.phases.build?.commands ?? [];
    const exported = commands.findIndex((c) =>
      new RegExp(`^export ${RELEASE_VERSION_VARIABLE}=.*revision/VERSION`).test(c),
    );
    const synth = commands.findIndex((c) => c.startsWith('npx cdk synth'));
    expect(exported).toBeGreaterThanOrEqual(0);
    expect(synth).toBeGreaterThan(exported);
  });

  it('CICD-1: hands on exactly the artifacts the deploy actions read, by their names', () => {
    expect(Object.keys(buildspec.artifacts['secondary-artifacts']).sort()).toEqual(
      [...Object.values(BUILD_ARTIFACTS)].sort(),
    );
  });

  it('CICD-1, ECS-1: its build phase, run here, writes each artifact the actions name (image push and AWS calls aside)', async () => {
    const written = await releaseArtifacts({
      outDir: out,
      version: '0.1.0-abcdef123456',
      imageUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service:abcdef123456',
      containerName: ecsNames(DEFAULT_CONFIG).containerName,
      docker: { image: `${REPLICA}:abcdef123456`, logGroup: '/hello/beanstalk-docker', region: 'eu-west-1' },
      commit: 'abcdef1234567890abcdef1234567890abcdef12',
      builtAt: new Date('2026-12-05T04:00:00Z'),
    });
    const dir = (artifact: string) => {
      const base = buildspec.artifacts['secondary-artifacts'][artifact]?.['base-directory'] ?? '';
      return join(out, base.replace(`${buildspec.env.variables.RELEASE_DIR}/`, ''));
    };
    expect(dir(BUILD_ARTIFACTS.revision)).toBe(written.revision);
    expect(readFileSync(join(written.revision, 'appspec.yml'), 'utf8')).toContain('hooks:');
    expect(readFileSync(join(written.revision, 'VERSION'), 'utf8')).toBe('0.1.0-abcdef123456\n');
    expect(readFileSync(join(written.revision, 'app/server.mjs'), 'utf8')).toContain('Hello, DevOps!');
    expect(statSync(join(written.revision, 'scripts/application-start.sh')).isFile()).toBe(true);

    expect(dir(BUILD_ARTIFACTS.beanstalk)).toBe(written.beanstalk);
    expect(existsSync(join(written.beanstalk, 'Procfile'))).toBe(true);
    expect(existsSync(join(written.beanstalk, '.ebextensions/scaling-trigger.config'))).toBe(true);
    expect(existsSync(join(written.beanstalk, 'server.mjs'))).toBe(true);
    // The bundle sets the version itself: the environment's template leaves APP_VERSION to it.
    expect(ebextensionOptions(readFileSync(join(written.beanstalk, BEANSTALK_VERSION_FILE), 'utf8'))).toEqual(
      [
        {
          namespace: 'aws:elasticbeanstalk:application:environment',
          optionName: 'APP_VERSION',
          value: '0.1.0-abcdef123456',
        },
      ],
    );

    expect(existsSync(join(written.container, 'Dockerfile'))).toBe(true);
    expect(existsSync(join(written.container, 'server.mjs'))).toBe(true);

    expect(dir(BUILD_ARTIFACTS.images)).toBe(written.images);
    expect(buildspec.artifacts['secondary-artifacts'][BUILD_ARTIFACTS.images]?.files).toEqual([
      IMAGE_DEFINITIONS_FILE,
      DOCKERRUN_FILE,
    ]);
    expect(JSON.parse(readFileSync(join(written.images, IMAGE_DEFINITIONS_FILE), 'utf8'))).toEqual([
      {
        name: 'service',
        imageUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service:abcdef123456',
      },
    ]);

    expect(dir(BUILD_ARTIFACTS.standby)).toBe(written.standby);
    expect(buildspec.artifacts['secondary-artifacts'][BUILD_ARTIFACTS.standby]?.files).toEqual(['**/*']);
  });

  it('CICD-8: the standby artifact holds each engine bundle as its service takes it, and release.json naming them', () => {
    const release = JSON.parse(readFileSync(join(out, 'standby', RELEASE_FILE), 'utf8')) as StandbyRelease;
    expect(release).toEqual({
      version: '0.1.0-abcdef123456',
      commit: 'abcdef1234567890abcdef1234567890abcdef12',
      imageTag: 'abcdef123456',
      imageUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service:abcdef123456',
      builtAt: '2026-12-05T04:00:00.000Z',
      files: {
        revision: 'revision.zip',
        beanstalk: 'beanstalk.zip',
        lambda: 'lambda.zip',
        images: 'imagedefinitions.json',
      },
    });
    const entries = (file: string) => Object.keys(unzipSync(readFileSync(join(out, 'standby', file)))).sort();
    // The revision zip is the one the EC2 engines' artifact unpacks: appspec.yml at its root.
    expect(entries(release.files.revision)).toEqual(
      expect.arrayContaining(['VERSION', 'app/server.mjs', 'appspec.yml', 'scripts/application-start.sh']),
    );
    const revision = unzipSync(readFileSync(join(out, 'standby', release.files.revision)));
    expect(new TextDecoder().decode(revision.VERSION)).toBe('0.1.0-abcdef123456\n');
    // The Beanstalk source bundle: Procfile at its root, with the version it sets.
    expect(entries(release.files.beanstalk)).toEqual(
      expect.arrayContaining(['Procfile', 'server.mjs', BEANSTALK_VERSION_FILE]),
    );
    // The Lambda package: the handler the serverless function names (index.handler), as a module.
    expect(entries(release.files.lambda)).toEqual(expect.arrayContaining(['index.mjs', 'package.json']));
    expect(readFileSync(join(out, 'standby', release.files.images), 'utf8')).toBe(
      readFileSync(join(out, 'images', IMAGE_DEFINITIONS_FILE), 'utf8'),
    );
  });

  it('ECS-4: the Docker bundle is exactly what the Docker stage deploys: Dockerrun.aws.json v2 running the released tag of the region replica, with the environment container and port', async () => {
    const docker = join(out, 'docker');
    const written = await releaseArtifacts({
      outDir: docker,
      version: '0.1.0-abcdef123456',
      imageUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service:abcdef123456',
      containerName: ecsNames(DEFAULT_CONFIG).containerName,
      docker: {
        image: `${REPLICA}:abcdef123456`,
        logGroup: beanstalkDockerNames(DEFAULT_CONFIG, 'eu-west-1').logGroup,
        region: 'eu-west-1',
      },
      commit: 'abcdef1234567890abcdef1234567890abcdef12',
    });
    // The image definitions artifact is the Docker stage's source bundle (a build has at most five outputs).
    const artifact = buildspec.artifacts['secondary-artifacts'][BUILD_ARTIFACTS.images];
    expect(
      join(
        docker,
        (artifact?.['base-directory'] ?? '').replace(`${buildspec.env.variables.RELEASE_DIR}/`, ''),
      ),
    ).toBe(written.docker);
    expect(artifact?.files).toContain(DOCKERRUN_FILE);
    const run = JSON.parse(readFileSync(join(written.docker, DOCKERRUN_FILE), 'utf8'));
    expect(run).toEqual({
      AWSEBDockerrunVersion: 2,
      containerDefinitions: [
        expect.objectContaining({
          name: DOCKER_CONTAINER.name,
          image: `${REPLICA}:abcdef123456`,
          essential: true,
          portMappings: [{ hostPort: 80, containerPort: 8080 }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/hello/beanstalk-docker',
              'awslogs-region': 'eu-west-1',
              'awslogs-stream-prefix': DOCKER_CONTAINER.name,
            },
          },
        }),
      ],
    });
  });

  it('ECS-4: the build hands the script the replica at the commit tag when the pipeline sets it, and nothing (the defaults) when the option is off', () => {
    const base = {
      IMAGE_REPOSITORY_URI: '111111111111.dkr.ecr.us-east-1.amazonaws.com/hello/service',
      RELEASE_ID: 'abcdef1234567890abcdef1234567890abcdef12',
      CONTAINER_NAME: 'service',
    };
    const on = artifactArguments({
      ...base,
      DOCKER_IMAGE_REPOSITORY_URI: REPLICA,
      DOCKER_LOG_GROUP: '/hello/beanstalk-docker',
      DOCKER_REGION: 'eu-west-1',
    });
    const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];
    expect(flag(on, '--docker-image-uri')).toBe(`${REPLICA}:abcdef123456`);
    expect(flag(on, '--docker-log-group')).toBe('/hello/beanstalk-docker');
    expect(flag(on, '--docker-region')).toBe('eu-west-1');
    const off = artifactArguments(base);
    expect(['--docker-image-uri', '--docker-log-group', '--docker-region'].map((f) => flag(off, f))).toEqual([
      '',
      '',
      '',
    ]);
  });
});
