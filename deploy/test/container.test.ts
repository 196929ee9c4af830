import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../../scripts/build.ts';
import { loadSettings } from '../../service/src/settings.ts';
import {
  duration,
  execForm,
  type Instruction,
  parseDockerfile,
  parseEnv,
  parseHealthcheck,
} from './support/dockerfile.ts';
import { freePort } from './support/service.ts';

// No Docker engine here: the Dockerfile is parsed and its promises checked, then the image is simulated,
// a directory laid out as its WORKDIR and COPY would lay it out, its HEALTHCHECK and CMD run as written
// with the environment of its ENV lines.

const CONTAINER = fileURLToPath(new URL('../container', import.meta.url));

let instructions: Instruction[];
const all = (keyword: string) => instructions.filter((instruction) => instruction.keyword === keyword);
const only = (keyword: string): Instruction => {
  const found = all(keyword);
  expect(found, `exactly one ${keyword}`).toHaveLength(1);
  return found[0] as Instruction;
};
/** The ENV lines, with `${NAME}` taken from the build arguments or the ARG defaults, as `docker build` does. */
const imageEnv = (buildArgs: Record<string, string> = {}): Record<string, string> => {
  const args = { ...Object.fromEntries(all('ARG').flatMap((arg) => parseEnv(arg.args))), ...buildArgs };
  return Object.fromEntries(
    all('ENV')
      .flatMap((env) => parseEnv(env.args))
      .map(([name, value]) => [name, value.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? '')]),
  );
};
/** The version the release build passes (deploy/release/push-image.sh). */
const RELEASED = '1.2.3-0123456789ab';

beforeAll(async () => {
  instructions = parseDockerfile(await readFile(join(CONTAINER, 'Dockerfile'), 'utf8'));
});

describe('the Dockerfile of the ECS engine', () => {
  it('ECS-3: the parser joins continuation lines and drops comments, also inside a continuation', () => {
    expect(
      parseDockerfile(
        '# syntax comment\nFROM node:24.17.0-alpine3.24\n\nRUN a \\\n  # a comment\n  && b \\\n  && c\nENV A=1 B="two words"\nENV C 3\n',
      ),
    ).toEqual([
      { keyword: 'FROM', args: 'node:24.17.0-alpine3.24', line: 2 },
      { keyword: 'RUN', args: 'a && b && c', line: 4 },
      { keyword: 'ENV', args: 'A=1 B="two words"', line: 8 },
      { keyword: 'ENV', args: 'C 3', line: 9 },
    ]);
    expect(parseEnv('A=1 B="two words"')).toEqual([
      ['A', '1'],
      ['B', 'two words'],
    ]);
    expect(parseEnv('C 3')).toEqual([['C', '3']]);
  });

  it('ECS-3: the base image is the official node image, pinned to an exact Node.js 24 and OS release', () => {
    const from = only('FROM').args;
    const match = /^node:(\d+)\.(\d+)\.(\d+)-(alpine\d+\.\d+|[a-z]+-slim)$/.exec(from);
    expect(match, `FROM ${from} must be node:<major.minor.patch>-<alpineX.Y|<debian>-slim>`).not.toBeNull();
    expect(match?.[1]).toBe('24');
    expect(from).not.toMatch(/latest|lts|current/);
  });

  it('ECS-3: the process runs as a user other than root', () => {
    const user = only('USER').args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toBe('node');
    // USER comes after the COPY, so the code stays root's, readable but not writable by the service.
    expect(instructions.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(
      instructions.findIndex((i) => i.keyword === 'COPY'),
    );
  });

  it('ECS-3: the command is the exec form of `node server.mjs`, stopped by SIGTERM', () => {
    expect(execForm(only('CMD').args)).toEqual(['node', 'server.mjs']);
    expect(all('ENTRYPOINT')).toEqual([]);
    expect(only('STOPSIGNAL').args).toBe('SIGTERM');
  });

  it("ECS-3: EXPOSE and PORT agree with the service's default port; the bundle is copied into WORKDIR", () => {
    const defaultPort = loadSettings({}).port;
    expect(only('EXPOSE').args).toBe(String(defaultPort));
    expect(imageEnv()).toMatchObject({ PORT: String(defaultPort), NODE_ENV: 'production' });
    expect(only('WORKDIR').args).toBe('/app');
    expect(only('COPY').args).toBe('server.mjs ./');
  });

  it('ECS-3: the health check asks /health on loopback with node itself (the image has no curl), in time', () => {
    const { options, command } = parseHealthcheck(only('HEALTHCHECK').args);
    const argv = execForm(command);
    expect(argv?.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv?.[2]).toMatch(/http:\/\/127\.0\.0\.1:/);
    expect(argv?.[2]).toMatch(/\/health/);
    expect(argv?.[2]).toMatch(/AbortSignal\.timeout\(/);
    expect(command).not.toMatch(/curl|wget/);
    expect(duration(options.get('timeout') ?? '30s')).toBeLessThanOrEqual(
      duration(options.get('interval') ?? '30s'),
    );
  });

  it('ECS-3: the build context admits server.mjs and nothing else', async () => {
    const ignore = (await readFile(join(CONTAINER, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignore).toEqual(['*', '!server.mjs']);
  });
});

describe('the image, simulated: its WORKDIR and COPY laid out, its HEALTHCHECK and CMD run as written', () => {
  let dir: string;
  /** The image's WORKDIR, as laid out on this machine. */
  let workdir: string;
  let env: Record<string, string>;
  let service: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hello-devops-container-'));
    const build = await buildService(join(dir, 'dist'));
    // The build context, as the CDK app fills it: the Dockerfile and the web bundle side by side.
    const context = join(dir, 'context');
    await mkdir(context);
    await copyFile(join(CONTAINER, 'Dockerfile'), join(context, 'Dockerfile'));
    await copyFile(build.server, join(context, 'server.mjs'));

    const root = join(dir, 'rootfs');
    let cwd = root;
    for (const { keyword, args } of instructions) {
      if (keyword === 'WORKDIR') {
        cwd = isAbsolute(args) ? join(root, args) : join(cwd, args);
        await mkdir(cwd, { recursive: true });
      } else if (keyword === 'COPY') {
        const parts = args.split(' ').filter((part) => !part.startsWith('--'));
        const destination = parts.pop() ?? '.';
        const target = isAbsolute(destination) ? join(root, destination) : join(cwd, destination);
        for (const source of parts) {
          const into = destination.endsWith('/') ? join(target, basename(source)) : target;
          await mkdir(dirname(into), { recursive: true });
          await copyFile(join(context, source), into);
        }
      }
    }
    workdir = cwd;
    env = {
      ...imageEnv({ APP_VERSION: RELEASED }),
      // `node` from PATH, as in the image; here the node running the tests.
      PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
      // What the task definition adds. The port differs from 8080 only because this machine's ports are
      // shared; the health check follows PORT as it would in the container.
      PORT: String(await freePort()),
      WORKERS: '2',
      DATABASE_URL: `postgres://app@127.0.0.1:${await freePort()}/estate`,
    };
  });

  afterAll(async () => {
    service?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const healthcheck = () => {
    const { options, command } = parseHealthcheck(only('HEALTHCHECK').args);
    const [file = '', ...args] = execForm(command) ?? [];
    return spawnSync(file, args, { cwd: workdir, env, timeout: duration(options.get('timeout') ?? '30s') });
  };

  it('ECS-3: serves Hello, passes its health check while running, drains and exits 0 on SIGTERM, then fails it', async () => {
    // The web bundle alone, with no node_modules anywhere near it: what the image holds.
    expect(await readdir(workdir)).toEqual(['server.mjs']);

    const [file = '', ...args] = execForm(only('CMD').args) ?? [];
    const child = spawn(file, args, { cwd: workdir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    service = child;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });

    const base = `http://127.0.0.1:${env.PORT}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await fetch(`${base}/health`).catch(() => undefined);
      if (answer?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the service did not start:\n${output}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }

    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('Hello, DevOps!');
    // ECS-1: the image reports the version it was built with, whatever task definition runs it.
    expect(await (await fetch(`${base}/info`)).json()).toMatchObject({ version: RELEASED });
    const health = healthcheck();
    expect(health.error).toBeUndefined();
    expect(health.status).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    service = undefined;
    const events = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { event?: string }).event);
    expect(events).toContain('stopping');
    expect(events.at(-1)).toBe('stopped');

    const afterStop = healthcheck();
    expect(afterStop.error).toBeUndefined();
    expect(afterStop.status).not.toBe(0);
  });
});
