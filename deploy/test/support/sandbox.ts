import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** The revision's sources: appspec.yml, scripts/, config/. */
export const revisionSource = join(repositoryRoot, 'deploy', 'codedeploy');
export const scriptsSource = join(revisionSource, 'scripts');

/** What one hook run did. */
export interface HookRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** One recorded call of a stand-in command: its name, then its arguments. */
export type Call = readonly string[];

/**
 * A temporary instance: `root` plays `/` (the hooks' HELLO_ROOT) and `bin` holds stand-ins for the
 * commands the hooks call (systemctl, aws, dnf, …), found first on PATH. Every stand-in appends its
 * argv to a calls file the test reads.
 */
export interface Sandbox {
  readonly root: string;
  /** Writes a stand-in: it records its call, then runs `body` (bash) with the same arguments. */
  stub(name: string, body?: string): Promise<void>;
  /** The same, at a path under the root (e.g. /usr/bin/node) rather than on PATH. */
  stubAt(path: string, body?: string): Promise<void>;
  /** Writes a file under the root. */
  write(path: string, content: string, mode?: number): Promise<void>;
  /** Reads a file under the root, undefined when absent. */
  read(path: string): Promise<string | undefined>;
  /** Copies a revision (the zip's root) to /opt/hello, as the agent's Install step does. */
  install(revisionDir: string, version: string): Promise<void>;
  /** Every call recorded so far, in order. */
  calls(): Promise<Call[]>;
  /** Runs a hook script with HELLO_ROOT and PATH pointing into the sandbox. */
  run(script: string, env?: Record<string, string>): Promise<HookRun>;
  remove(): Promise<void>;
}

const recorder = (name: string) =>
  `#!/usr/bin/env bash\n{ printf '%s' ${JSON.stringify(name)}; printf '\\t%s' "$@"; printf '\\n'; } >>"$STUB_CALLS"\n`;

export async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'hello-devops-instance-'));
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const callsFile = join(dir, 'calls.tsv');
  await mkdir(root);
  await mkdir(bin);
  await writeFile(callsFile, '');
  const under = (path: string) => join(root, path);
  const writeExecutable = async (path: string, name: string, body: string) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${recorder(name)}${body}\n`);
    await chmod(path, 0o755);
  };
  const sandbox: Sandbox = {
    root,
    stub: (name, body = 'exit 0') => writeExecutable(join(bin, name), name, body),
    stubAt: (path, body = 'exit 0') => writeExecutable(under(path), path, body),
    async write(path, content, mode = 0o644) {
      await mkdir(dirname(under(path)), { recursive: true });
      await writeFile(under(path), content);
      await chmod(under(path), mode);
    },
    read: (path) => readFile(under(path), 'utf8').catch(() => undefined),
    async install(revisionDir, version) {
      await mkdir(under('opt/hello'), { recursive: true });
      await cp(revisionDir, under('opt/hello'), { recursive: true });
      await writeFile(under('opt/hello/VERSION'), `${version}\n`);
    },
    async calls() {
      const text = await readFile(callsFile, 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t'));
    },
    run: (script, env = {}) => runHook(script, { HELLO_ROOT: root, STUB_CALLS: callsFile, ...env }, bin),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return sandbox;
}

/**
 * Runs a hook as the agent does: the script itself (shebang and execute bit), with the given environment.
 * `onStdout` sees the output so far each time more arrives, for a test that waits on what the hook says.
 */
export function runHook(
  script: string,
  env: Record<string, string>,
  bin?: string,
  onStdout?: (stdout: string) => void,
): Promise<HookRun> {
  const started = performance.now();
  return new Promise((done, failed) => {
    const child = spawn(script, [], {
      env: {
        PATH: bin ? `${bin}:${process.env.PATH}` : (process.env.PATH ?? ''),
        HOME: tmpdir(),
        LIFECYCLE_EVENT: 'Test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once('error', failed);
    child.once('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** Calls of one stand-in, without its name. */
export function callsOf(calls: readonly Call[], name: string): string[][] {
  return calls.filter((call) => call[0] === name).map((call) => call.slice(1));
}

/**
 * An instance as the user data leaves it: its env file at `instanceEnvPath` (relative to the root), the
 * revision installed, the service in place, and stand-ins for AWS (answering `settings` for the settings
 * parameter), the metadata service, chown, systemd and the CloudWatch agent.
 */
export async function prepareInstance(
  box: Sandbox,
  instanceEnvPath: string,
  instanceEnv: string,
  settings: string,
): Promise<void> {
  await box.write(instanceEnvPath, instanceEnv);
  await box.install(revisionSource, '0.1.0-abc1234');
  await box.write('opt/hello/app/server.mjs', '// the service\n');
  await box.write('settings.txt', settings);
  await box.stub('aws', `cat "$HELLO_ROOT/settings.txt"`);
  await box.stub(
    'curl',
    `case "$*" in *api/token*) echo token-123 ;; *instance-id*) echo i-0abc123def4567890 ;; *) exit 7 ;; esac`,
  );
  await box.stub('chown');
  await box.stub('systemctl');
  await box.stubAt('opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl');
}
