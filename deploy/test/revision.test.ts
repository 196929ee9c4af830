import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type BuildResult, buildService } from '../../scripts/build.ts';
import { type Bundle, bundleCodeDeploy } from '../../scripts/bundle-codedeploy.ts';
import { loadSettings } from '../../service/src/settings.ts';
import { keepAliveLoad } from '../../testing/keep-alive-load.ts';
import { describeWith } from '../../testing/requires.ts';
import { createSandbox, type HookRun, runHook, type Sandbox } from './support/sandbox.ts';
import { freePort, killLeftovers, type RunningService, startService } from './support/service.ts';
import { extract, readZip, type ZipEntry } from './support/zip.ts';

// One build of the service and one revision zip for the whole file: the zip is read in-process,
// unpacked as the agent unpacks it, and its hooks run against the built service.

const VERSION = '1.2.3-test';
let dir: string;
let build: BuildResult;
let bundle: Bundle;
let entries: Map<string, ZipEntry>;
/** The unpacked revision, as in the agent's deployment-archive folder. */
let archive: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hello-devops-revision-'));
  build = await buildService(join(dir, 'dist'));
  bundle = await bundleCodeDeploy({ server: build.server, outDir: join(dir, 'out'), version: VERSION });
  entries = readZip(new Uint8Array(await readFile(bundle.path)));
  archive = join(dir, 'deployment-archive');
  await extract(entries, archive);
});
afterAll(async () => {
  killLeftovers();
  await rm(dir, { recursive: true, force: true });
});

const text = (name: string) => new TextDecoder().decode(entries.get(name)?.data);

interface AppSpecHook {
  readonly location: string;
  readonly timeout?: number;
  readonly runas?: string;
}
interface AppSpec {
  readonly version: unknown;
  readonly os: string;
  readonly files: { source: string; destination: string }[];
  readonly file_exists_behavior?: string;
  readonly permissions?: { object: string; mode: number }[];
  readonly hooks: Record<string, AppSpecHook[]>;
}
const appspec = () => parse(text('appspec.yml')) as AppSpec;

/** The lifecycle events of an EC2/On-Premises deployment that may run scripts. */
const SCRIPTABLE_EVENTS = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
];

/** systemd unit file as section → key → values (a key may repeat). */
function parseUnit(source: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1]) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair?.[1] || !current) throw new Error(`not a unit-file line: ${line}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2] ?? '']);
  }
  return sections;
}
const unit = () => parseUnit(text('config/hello.service'));
const directive = (section: string, key: string) => unit().get(section)?.get(key)?.at(-1);

describe('the revision bundle', () => {
  it('CICD-9: holds the AppSpec, VERSION, the built service, the hook scripts and the configuration at its root', async () => {
    expect(bundle.path).toBe(join(dir, 'out', `hello-${VERSION}.zip`));
    expect(bundle.bytes).toBe((await readFile(bundle.path)).byteLength);
    expect([...entries.keys()].sort()).toEqual([
      'VERSION',
      'app/server.mjs',
      'appspec.yml',
      'config/amazon-cloudwatch-agent.json',
      'config/hello.service',
      'config/logrotate',
      'scripts/after-block-traffic.sh',
      'scripts/after-install.sh',
      'scripts/application-start.sh',
      'scripts/application-stop.sh',
      'scripts/before-block-traffic.sh',
      'scripts/before-install.sh',
      'scripts/lib.sh',
      'scripts/validate-service.sh',
    ]);
    expect(text('VERSION')).toBe(`${VERSION}\n`);
    const shipped = Buffer.from(entries.get('app/server.mjs')?.data ?? []);
    expect(shipped.equals(await readFile(build.server))).toBe(true);
  });

  it('CICD-9: appspec.yml is an EC2/On-Premises AppSpec installing the whole revision under /opt/hello', () => {
    expect(text('appspec.yml')).toMatch(/^version: 0\.0$/m);
    const spec = appspec();
    expect(spec.version).toBe(0);
    expect(spec.os).toBe('linux');
    expect(spec.files).toEqual([{ source: '/', destination: '/opt/hello' }]);
    expect(spec.file_exists_behavior).toBe('OVERWRITE');
    // Each permissions entry names an installed folder of the revision.
    expect(spec.permissions?.map((permission) => [permission.object, permission.mode])).toEqual([
      ['/opt/hello/app', 644],
      ['/opt/hello/config', 644],
      ['/opt/hello/scripts', 755],
    ]);
    for (const permission of spec.permissions ?? []) {
      expect(permission.object).toMatch(/^\/opt\/hello\/\w+$/);
      const folder = `${permission.object.slice('/opt/hello/'.length)}/`;
      expect([...entries.keys()].some((name) => name.startsWith(folder))).toBe(true);
    }
  });

  it('CICD-9: every hook names an executable script of the built bundle, runs as root, within the time limits', () => {
    const hooks = appspec().hooks;
    expect(Object.keys(hooks)).toEqual([
      'ApplicationStop',
      'BeforeInstall',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
      'BeforeBlockTraffic',
      'AfterBlockTraffic',
    ]);
    for (const [event, scripts] of Object.entries(hooks)) {
      expect(SCRIPTABLE_EVENTS).toContain(event);
      let total = 0;
      for (const hook of scripts) {
        const entry = entries.get(hook.location);
        expect(entry, `${event} → ${hook.location}`).toBeDefined();
        expect(entry?.mode, `${hook.location} must be executable`).toBe(0o755);
        expect(hook.runas).toBe('root');
        expect(Number.isInteger(hook.timeout)).toBe(true);
        expect(hook.timeout).toBeGreaterThan(0);
        total += hook.timeout ?? 3600;
      }
      expect(total, `${event}: at most 3600 s per lifecycle event`).toBeLessThanOrEqual(3600);
    }
    // No script in the bundle that nothing runs (lib.sh is sourced by every hook).
    const referenced = new Set(Object.values(hooks).flatMap((list) => list.map((hook) => hook.location)));
    const scripts = [...entries.keys()].filter(
      (name) => name.startsWith('scripts/') && name !== 'scripts/lib.sh',
    );
    expect(scripts.sort()).toEqual([...referenced].sort());
  });

  it('SCALE-4: the stop hooks wait longer than systemd waits for the drain, which outlasts the service own bound', () => {
    const stopSeconds = Number(directive('Service', 'TimeoutStopSec'));
    const hooks = appspec().hooks;
    for (const event of ['ApplicationStop', 'AfterBlockTraffic']) {
      expect(hooks[event]?.[0]?.timeout).toBeGreaterThan(stopSeconds);
    }
    // The cluster primary waits the drain bound plus one second; the largest bound AfterInstall accepts
    // and the service's default must both fit in the unit's stop timeout.
    const accepted = Number(/MAX_SHUTDOWN_TIMEOUT_MS=(\d+)/.exec(text('scripts/after-install.sh'))?.[1]);
    expect(accepted + 1000).toBeLessThan(stopSeconds * 1000);
    expect(loadSettings({}).shutdownTimeoutMs + 1000).toBeLessThan(stopSeconds * 1000);
    const validateBound = Number(
      /VALIDATE_TIMEOUT_SECONDS:-(\d+)/.exec(text('scripts/validate-service.sh'))?.[1],
    );
    expect(hooks.ValidateService?.[0]?.timeout).toBeGreaterThan(validateBound);
  });

  it('CICD-9: the unit runs the bundle as hello, restarts on failure and stops with SIGTERM', () => {
    const service = unit().get('Service');
    expect(service?.get('ExecStart')).toEqual(['/usr/bin/node /opt/hello/app/server.mjs']);
    expect(directive('Service', 'User')).toBe('hello');
    expect(directive('Service', 'Group')).toBe('hello');
    expect(directive('Service', 'EnvironmentFile')).toBe('/etc/hello/hello.env');
    expect(directive('Service', 'Restart')).toBe('on-failure');
    expect(directive('Service', 'KillSignal')).toBe('SIGTERM');
    expect(directive('Service', 'KillMode')).toBe('mixed');
    expect(directive('Service', 'StandardOutput')).toBe('append:/var/log/hello/service.log');
    expect(directive('Service', 'NoNewPrivileges')).toBe('yes');
    expect(directive('Service', 'ProtectSystem')).toBe('strict');
    expect(directive('Service', 'MemoryDenyWriteExecute')).toBeUndefined();
    expect(directive('Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('CICD-9: the CloudWatch agent ships the service log to the log group, one stream per instance, and logrotate keeps it bounded', () => {
    const agent = JSON.parse(text('config/amazon-cloudwatch-agent.json'));
    const logFile = directive('Service', 'StandardOutput')?.replace(/^append:/, '');
    expect(agent.logs.logs_collected.files.collect_list).toEqual([
      {
        file_path: logFile,
        log_group_name: '__LOG_GROUP__',
        log_stream_name: '{instance_id}',
        timezone: 'UTC',
      },
    ]);
    const rotation = text('config/logrotate');
    expect(rotation).toContain(`${logFile} {`);
    expect(rotation).toMatch(/^\s+copytruncate$/m);
    expect(rotation).toMatch(/^\s+rotate \d+$/m);
  });
});

const curl = {
  tool: 'curl',
  available: spawnSync('curl', ['--version']).status === 0,
  howTo: 'install curl (Debian: apt-get install curl); Amazon Linux 2023 ships it',
};

describeWith(curl, 'ValidateService against the built service', () => {
  const validate = (port: number, bound: number, onStdout?: (stdout: string) => void) =>
    runHook(
      join(archive, 'scripts/validate-service.sh'),
      {
        PORT: String(port),
        VALIDATE_TIMEOUT_SECONDS: String(bound),
        VALIDATE_INTERVAL_SECONDS: '0.2',
        HELLO_ROOT: dir,
      },
      undefined,
      onStdout,
    );

  it('CICD-9: passes once /health and / answer 200, waiting for a service that is still starting', async () => {
    const port = await freePort();
    // The service starts only after the hook has found nothing listening at least once.
    let sawRefusal = () => {};
    const refused = new Promise<void>((resolve) => {
      sawRefusal = resolve;
    });
    const run = validate(port, 20, (stdout) => {
      if (stdout.includes('GET /health -> 000')) sawRefusal();
    });
    await refused;
    const service = await startService(build.server, { WORKERS: '1', PORT: String(port) });
    const result = await run;
    service.child.kill('SIGTERM');
    await service.exited;

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('GET /health -> 000, GET / -> 000');
    expect(result.stdout).toContain('GET /health -> 200, GET / -> 200');
  });

  it('CICD-9: fails within its bound when / answers 500 although /health is fine (FAULT_MODE=root-500)', async () => {
    const service = await startService(build.server, { WORKERS: '1', FAULT_MODE: 'root-500' });
    const result = await validate(service.port, 2);
    service.child.kill('SIGTERM');
    await service.exited;

    expect(result.code).not.toBe(0);
    expect(result.ms).toBeLessThan(5000);
    expect(result.stdout).toContain('GET /health -> 200, GET / -> 500');
    expect(result.stderr).toContain('within 2 s');
  });

  it('CICD-9: fails within its bound when nothing listens', async () => {
    const result = await validate(await freePort(), 2);

    expect(result.code).not.toBe(0);
    expect(result.ms).toBeLessThan(5000);
    expect(result.stdout).toContain('GET /health -> 000, GET / -> 000');
  });
});

describe('graceful stop of the built service under load', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await createSandbox();
    await box.write('etc/systemd/system/hello.service', text('config/hello.service'));
    // systemd's part, as KillMode=mixed does it: SIGTERM to the main process, wait until it has gone.
    await box.stub(
      'systemctl',
      [
        'case "$1" in',
        '  stop) kill -TERM "$SERVICE_PID"; while kill -0 "$SERVICE_PID" 2>/dev/null; do sleep 0.05; done ;;',
        '  is-active) if kill -0 "$SERVICE_PID" 2>/dev/null; then echo active; else echo inactive; exit 3; fi ;;',
        'esac',
      ].join('\n'),
    );
  });
  afterAll(() => box?.remove());

  it.each([
    ['ApplicationStop', 'application-stop.sh', '1'],
    ['AfterBlockTraffic (termination hook, cluster of 2 workers)', 'after-block-traffic.sh', '2'],
  ])(
    'SCALE-4: %s drains a loaded service: no request fails and the service exits 0',
    async (_, script, workers) => {
      const service: RunningService = await startService(build.server, { WORKERS: workers });
      let hook: HookRun | undefined;
      const report = await keepAliveLoad({
        port: service.port,
        connections: 8,
        signal: async () => {
          hook = await box.run(join(archive, 'scripts', script), { SERVICE_PID: String(service.child.pid) });
        },
      });

      expect(report.failures).toEqual([]);
      expect(report.ok).toBeGreaterThanOrEqual(200);
      expect(hook?.stderr).toBe('');
      expect(hook?.code).toBe(0);
      expect(hook?.stdout).toContain('hello.service is inactive');
      expect(await service.exited).toBe(0);
      expect(service.lines.at(-1)).toMatchObject({ event: 'stopped', pid: service.child.pid });
    },
  );
});
