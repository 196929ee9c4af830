import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  componentDocument,
  type ImageComponent,
  imageComponents,
} from '../../infra/lib/constructs/images/component-document.ts';
import { buildService } from '../../scripts/build.ts';
import { describeWith, shellcheck } from '../../testing/requires.ts';
import { callsOf, createSandbox, type Sandbox, scriptsSource } from './support/sandbox.ts';
import { freePort } from './support/service.ts';

// Every shell step of every golden-image component is extracted from its document, linted, and run as
// AWSTOE runs it (bash, the step's commands as one script) against a temporary root with recorded
// stand-ins for dnf, curl, systemctl and the rest.

const components = imageComponents();
const component = (name: string): ImageComponent => {
  const found = components.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no component ${name}`);
  return found;
};

/** `component/phase/step` → the bash AWSTOE runs for that ExecuteBash step. */
const shellSteps = new Map<string, string>(
  components.flatMap((c) =>
    c.document.phases.flatMap((phase) =>
      phase.steps.flatMap((s) =>
        s.action === 'ExecuteBash'
          ? [[`${c.name}/${phase.name}/${s.name}`, s.inputs.commands.join('\n')] as const]
          : [],
      ),
    ),
  ),
);

let scripts: string;
beforeAll(async () => {
  scripts = await mkdtemp(join(tmpdir(), 'hello-devops-ami-steps-'));
  for (const [id, body] of shellSteps) {
    const path = join(scripts, `${id.replaceAll('/', '--')}.sh`);
    await writeFile(path, `#!/usr/bin/env bash\n${body}`, { mode: 0o755 });
  }
});
afterAll(() => rm(scripts, { recursive: true, force: true }));
const stepScript = (id: string) => {
  if (!shellSteps.has(id)) throw new Error(`no shell step ${id}`);
  return join(scripts, `${id.replaceAll('/', '--')}.sh`);
};

describe('component documents', () => {
  it('AMI-1: every document of the manifest parses and validates against the component schema, in recipe order', () => {
    expect(components.map((c) => [c.name, c.version, c.test])).toEqual([
      ['hello-runtime', '1.0.0', false],
      ['hello-agents', '1.0.0', false],
      ['hello-harden', '1.0.0', false],
      ['hello-service-test', '1.0.0', true],
    ]);
  });

  it('AMI-1: the schema refuses an unknown action, a misspelt phase, a step named twice and an undeclared parameter', () => {
    // A loose view of the document, to break it the ways a hand edit would.
    type Loose = { phases: { name: string; steps: { action: string; inputs: { commands: string[] } }[] }[] };
    const base = parse(component('hello-runtime').data) as Loose;
    const broken = (edit: (doc: Loose) => void) => {
      const doc = structuredClone(base);
      edit(doc);
      return componentDocument.safeParse(doc).success;
    };
    expect(broken(() => undefined)).toBe(true);
    const firstStep = (d: Loose) => d.phases[0]?.steps[0] ?? { action: '', inputs: { commands: [] } };
    expect(
      broken((d) => {
        firstStep(d).action = 'ExecuteBashScript';
      }),
    ).toBe(false);
    expect(
      broken((d) => {
        d.phases[0] = { name: 'Build', steps: d.phases[0]?.steps ?? [] };
      }),
    ).toBe(false);
    expect(broken((d) => d.phases[0]?.steps.push(firstStep(d)))).toBe(false);
    expect(
      broken((d) => {
        firstStep(d).inputs.commands = ['echo {{ Missing }}'];
      }),
    ).toBe(false);
  });

  it('AMI-1: an edited document whose version was not bumped fails synthesis with the new hash to pin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hello-devops-ami-manifest-'));
    try {
      const { file, version, sha256 } = {
        file: 'hello-runtime.yml',
        version: '1.0.0',
        sha256: '0'.repeat(64),
      };
      await writeFile(join(dir, 'components.json'), JSON.stringify([{ file, version, sha256 }]));
      await writeFile(join(dir, file), stringify(parse(component('hello-runtime').data)));
      expect(() => imageComponents(dir)).toThrow(/hello-runtime\.yml changed .* give it a new version/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeWith(shellcheck, 'component shell steps under shellcheck', () => {
  it.each([...shellSteps.keys()])('AMI-1: %s passes shellcheck at style severity', (id) => {
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', stepScript(id)], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

it.each([...shellSteps.entries()])('AMI-1: %s starts with set -euo pipefail', (_, body) => {
  expect(body.split('\n')[0]).toBe('set -euo pipefail');
});

let box: Sandbox;
beforeEach(async () => {
  box = await createSandbox();
});
afterEach(() => box.remove());
const run = (id: string, env: Record<string, string> = {}) => box.run(stepScript(id), env);
/** A stand-in node at /usr/bin/node answering `--version` with `version`. */
const nodeAt = (version: string) => box.stubAt('usr/bin/node', `echo ${version}`);

describe('hello-runtime', () => {
  it('AMI-1: installs Node.js 24 and leaves alternatives alone when it becomes the default node', async () => {
    await box.stub(
      'dnf',
      `mkdir -p "$HELLO_ROOT/usr/bin"; printf '#!/usr/bin/env bash\\necho v24.4.1\\n' >"$HELLO_ROOT/usr/bin/node"; chmod +x "$HELLO_ROOT/usr/bin/node"`,
    );
    await box.stub('alternatives');
    const result = await run('hello-runtime/build/InstallNode');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = await box.calls();
    expect(callsOf(calls, 'dnf')).toEqual([['install', '-y', 'nodejs24']]);
    expect(callsOf(calls, 'alternatives')).toEqual([]);
  });

  it('AMI-1: points /usr/bin/node at Node.js 24 when another major owns it', async () => {
    await box.stub('dnf');
    await nodeAt('v20.19.0');
    await box.stub(
      'alternatives',
      `printf '#!/usr/bin/env bash\\necho v24.4.1\\n' >"$HELLO_ROOT/usr/bin/node"`,
    );
    const result = await run('hello-runtime/build/InstallNode');
    expect(result.code).toBe(0);
    expect(callsOf(await box.calls(), 'alternatives')).toEqual([['--set', 'node', '/usr/bin/node-24']]);
    expect(result.stdout).toContain('node v24.4.1 at /usr/bin/node');
  });

  it('AMI-1: the validate phase passes Node.js 24 and fails any other major', async () => {
    await nodeAt('v24.4.1');
    expect((await run('hello-runtime/validate/NodeIs24')).code).toBe(0);
    await nodeAt('v22.11.0');
    const result = await run('hello-runtime/validate/NodeIs24');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected Node.js 24 at /usr/bin/node, found v22.11.0');
  });
});

/** curl answering IMDSv2 with `region` and "downloading" an installer that records its run. */
const imdsAndDownloads = (region: string) =>
  box.stub(
    'curl',
    [
      'out=""; prev=""',
      'for a in "$@"; do [[ $prev == -o ]] && out=$a; prev=$a; done',
      'case "$*" in',
      '  *api/token*) echo token-123 ;;',
      `  *placement/region*) [[ "$*" == *"X-aws-ec2-metadata-token: token-123"* ]] && echo '${region}' ;;`,
      `  *) printf '#!/usr/bin/env bash\\necho "installer $*" >>"$HELLO_ROOT/installer.log"\\n' >"$out" ;;`,
      'esac',
    ].join('\n'),
  );

describe('hello-agents', () => {
  it('AMI-1: installs the CloudWatch agent from the distribution repositories', async () => {
    await box.stub('dnf');
    expect((await run('hello-agents/build/InstallCloudWatchAgent')).code).toBe(0);
    expect(callsOf(await box.calls(), 'dnf')).toEqual([['install', '-y', 'amazon-cloudwatch-agent']]);
  });

  it("AMI-1: installs the CodeDeploy agent from the build region's bucket (IMDSv2), enables it at boot and keeps no deployment of its own", async () => {
    await imdsAndDownloads('eu-central-1');
    await box.stub('dnf');
    await box.stub('systemctl');
    await box.write('opt/codedeploy-agent/deployment-root/leftover', 'x');
    const result = await run('hello-agents/build/InstallCodeDeployAgent');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = await box.calls();
    expect(callsOf(calls, 'curl').at(-1)).toContain(
      'https://aws-codedeploy-eu-central-1.s3.eu-central-1.amazonaws.com/latest/install',
    );
    expect(callsOf(calls, 'dnf')).toEqual([['install', '-y', 'ruby']]);
    expect(await box.read('installer.log')).toBe('installer auto\n');
    expect(callsOf(calls, 'systemctl')).toEqual([
      ['stop', 'codedeploy-agent'],
      ['enable', 'codedeploy-agent'],
    ]);
    expect(await box.read('opt/codedeploy-agent/deployment-root/leftover')).toBeUndefined();
  });

  it('AMI-1: refuses to download when the metadata service names no region', async () => {
    await imdsAndDownloads('<html>');
    await box.stub('dnf');
    const result = await run('hello-agents/build/InstallCodeDeployAgent');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unexpected region from the instance metadata');
    expect(callsOf(await box.calls(), 'dnf')).toEqual([]);
  });

  it('AMI-1: the validate phase fails while an agent is missing and passes once both are there', async () => {
    await box.stub('systemctl');
    await box.stubAt('opt/codedeploy-agent/bin/codedeploy-agent');
    const missing = await run('hello-agents/validate/AgentsPresent');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      'missing /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl',
    );
    await box.stubAt('opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl');
    expect((await run('hello-agents/validate/AgentsPresent')).code).toBe(0);
  });
});

describe('hello-harden', () => {
  it('AMI-1: applies every update of the newest repository version', async () => {
    await box.stub('dnf');
    expect((await run('hello-harden/build/ApplyUpdates')).code).toBe(0);
    expect(callsOf(await box.calls(), 'dnf')).toEqual([
      ['upgrade', '-y', '--releasever=latest'],
      ['clean', 'all'],
    ]);
  });

  it('AMI-1: turns off password, keyboard-interactive and root SSH in a file sshd reads first, then checks the configuration', async () => {
    await box.stub('sshd');
    expect((await run('hello-harden/build/SshWithoutPasswords')).code).toBe(0);
    const conf = await box.read('etc/ssh/sshd_config.d/00-hello.conf');
    for (const line of [
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
    ]) {
      expect(conf?.split('\n')).toContain(line);
    }
    expect((await stat(join(box.root, 'etc/ssh/sshd_config.d/00-hello.conf'))).mode & 0o777).toBe(0o600);
    expect(callsOf(await box.calls(), 'sshd')).toEqual([['-t']]);
  });

  it('AMI-1: a configuration sshd refuses fails the step', async () => {
    await box.stub('sshd', 'exit 255');
    expect((await run('hello-harden/build/SshWithoutPasswords')).code).not.toBe(0);
  });

  it('AMI-1: creates the service user exactly as the BeforeInstall hook does, and the directories the hooks expect', async () => {
    await box.stub('id', 'exit 1');
    await box.stub('useradd');
    expect((await run('hello-harden/build/ServiceUserAndDirectories')).code).toBe(0);
    const [useradd] = callsOf(await box.calls(), 'useradd');
    const hook = spawnSync('grep', ['-h', '^  useradd ', join(scriptsSource, 'before-install.sh')], {
      encoding: 'utf8',
    });
    expect(`useradd ${useradd?.join(' ')}`).toBe(hook.stdout.trim().replace('"$SERVICE_USER"', 'hello'));
    for (const dir of ['opt/hello', 'etc/hello', 'var/log/hello']) {
      expect((await stat(join(box.root, dir))).isDirectory()).toBe(true);
    }
    expect((await stat(join(box.root, 'var/log/hello/service.log'))).mode & 0o777).toBe(0o644);
  });

  it('AMI-1: the validate phase reads the effective sshd settings and fails when passwords are still accepted', async () => {
    await box.stub('id', 'echo 990');
    for (const dir of ['opt/hello', 'etc/hello', 'var/log/hello'])
      await mkdir(join(box.root, dir), { recursive: true });
    const effective = (password: string) =>
      box.stub(
        'sshd',
        `printf '%s\\n' 'port 22' 'passwordauthentication ${password}' 'permitrootlogin no' 'kbdinteractiveauthentication no'`,
      );
    await effective('no');
    expect((await run('hello-harden/validate/Hardened')).code).toBe(0);
    await effective('yes');
    const result = await run('hello-harden/validate/Hardened');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('sshd does not apply: passwordauthentication no');
  });
});

describe('hello-service-test against the real web bundle', () => {
  let dir: string;
  let server: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hello-devops-ami-bundle-'));
    server = (await buildService(join(dir, 'dist'))).server;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The test instance after FetchBundle: the bundle where the step put it, the baked node. */
  const testInstance = async () => {
    await mkdir(join(box.root, 'var/tmp/hello-image-test'), { recursive: true });
    await copyFile(server, join(box.root, 'var/tmp/hello-image-test/server.mjs'));
    await box.stubAt('usr/bin/node', `exec ${JSON.stringify(process.execPath)} "$@"`);
  };
  const serviceAnswers = async (env: Record<string, string> = {}) =>
    run('hello-service-test/test/ServiceAnswers', {
      HELLO_TEST_PORT: String(await freePort()),
      HELLO_TEST_TIMEOUT_SECONDS: '20',
      ...env,
    });

  it('AMI-1: fetches the bundle its parameter names, in the build region, to where the check reads it', async () => {
    await box.stub(
      'aws',
      `case "$*" in *get-parameter*) echo s3://cdk-assets/abc.mjs ;; *) echo '// bundle' >"\${@: -1}" ;; esac`,
    );
    const result = await run('hello-service-test/test/FetchBundle');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(callsOf(await box.calls(), 'aws')).toEqual([
      [
        '--region',
        '{{ Region }}',
        'ssm',
        'get-parameter',
        '--name',
        '{{ BundleParameter }}',
        '--query',
        'Parameter.Value',
        '--output',
        'text',
      ],
      [
        '--region',
        '{{ Region }}',
        's3',
        'cp',
        '--only-show-errors',
        's3://cdk-assets/abc.mjs',
        join(box.root, 'var/tmp/hello-image-test/server.mjs'),
      ],
    ]);
    expect(await box.read('var/tmp/hello-image-test/server.mjs')).toBe('// bundle\n');
  });

  it('AMI-1: a parameter without an s3:// URI fails before any download', async () => {
    await box.stub('aws', 'echo None');
    const result = await run('hello-service-test/test/FetchBundle');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the bundle parameter holds no s3:// URI: None');
    expect(callsOf(await box.calls(), 'aws')).toHaveLength(1);
  });

  it('AMI-1: healthy: the bundle on the baked node answers /health and / and the step passes', async () => {
    await testInstance();
    const result = await serviceAnswers();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('the service answers /health and / on the image');
    expect(callsOf(await box.calls(), 'usr/bin/node')).toEqual([
      [join(box.root, 'var/tmp/hello-image-test/server.mjs')],
    ]);
  }, 40_000);

  it('AMI-1: broken: a bundle whose / answers 500 while /health stays healthy fails the image', async () => {
    await testInstance();
    const result = await serviceAnswers({ FAULT_MODE: 'root-500' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('GET / answered 500, expected 200');
  }, 40_000);

  it('AMI-1: down: a service that exits at start fails the image with its last log lines', async () => {
    await testInstance();
    // The service refuses these settings together and exits before listening.
    const result = await serviceAnswers({ DB_HOST_PARAMETER: '/hello/us-east-1/database/endpoint' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the service exited before answering');
    expect(result.stderr).toContain('DB_HOST_PARAMETER');
  }, 40_000);
});
