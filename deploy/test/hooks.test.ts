import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsOf, createSandbox, prepareInstance, type Sandbox, scriptsSource } from './support/sandbox.ts';

// Each hook runs against a temporary root with recorded stand-ins for the commands it calls; the
// assertions read what it wrote under the root and which commands it called with which arguments.

const hook = (name: string) => join(scriptsSource, name);

let box: Sandbox;
beforeEach(async () => {
  box = await createSandbox();
});
afterEach(() => box.remove());

const INSTANCE_ENV = [
  'ENGINE=asg',
  'AWS_REGION=us-east-1',
  'SETTINGS_PARAMETER=/hello/asg/settings',
  'LOG_GROUP=/hello/asg/service',
  '',
].join('\n');

const NODE_24 = `echo v24.4.1`;

/** An instance as the user data leaves it, with the revision installed and AWS answering. */
const preparedInstance = (settings: string) =>
  prepareInstance(box, 'etc/hello/instance.env', INSTANCE_ENV, settings);

describe('BeforeInstall', () => {
  it('CICD-9: on a bare instance creates the user and directories, installs Node.js and clears the old app', async () => {
    await box.stub('id', 'exit 1');
    await box.stub('useradd');
    // The package manager "installs" node by putting it where the unit expects it.
    await box.stub(
      'dnf',
      `mkdir -p "$HELLO_ROOT/usr/bin"; printf '#!/usr/bin/env bash\\n${NODE_24}\\n' >"$HELLO_ROOT/usr/bin/node"; chmod +x "$HELLO_ROOT/usr/bin/node"`,
    );
    await box.write('opt/hello/app/server.mjs', '// the previous revision\n');
    await box.write('opt/hello/VERSION', '0.0.9\n');

    const run = await box.run(hook('before-install.sh'));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const calls = await box.calls();
    expect(callsOf(calls, 'useradd')).toEqual([
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/opt/hello',
        '--shell',
        '/sbin/nologin',
        'hello',
      ],
    ]);
    expect(callsOf(calls, 'dnf')).toEqual([['install', '-y', 'nodejs24']]);
    for (const dir of ['opt/hello', 'etc/hello', 'var/log/hello']) {
      expect((await stat(join(box.root, dir))).isDirectory()).toBe(true);
    }
    expect((await stat(join(box.root, 'var/log/hello/service.log'))).mode & 0o777).toBe(0o644);
    expect(await box.read('opt/hello/app/server.mjs')).toBeUndefined();
    expect(await box.read('opt/hello/VERSION')).toBeUndefined();
    expect(run.stdout).toContain('Node.js 24 installed from nodejs24');
  });

  it('CICD-9: leaves an existing user and a recent Node.js alone', async () => {
    await box.stub('id', 'echo 990');
    await box.stub('useradd');
    await box.stub('dnf');
    await box.stubAt('usr/bin/node', NODE_24);

    const run = await box.run(hook('before-install.sh'));

    expect(run.code).toBe(0);
    const calls = await box.calls();
    expect(callsOf(calls, 'useradd')).toEqual([]);
    expect(callsOf(calls, 'dnf')).toEqual([]);
    expect(run.stdout).toContain('Node.js 24 present');
  });

  it('CICD-9: fails naming the problem when no Node.js package can be installed', async () => {
    await box.stub('id', 'echo 990');
    await box.stub('dnf', 'echo "Error: Unable to find a match: $3" >&2; exit 1');

    const run = await box.run(hook('before-install.sh'));

    expect(run.code).not.toBe(0);
    expect(callsOf(await box.calls(), 'dnf')).toEqual([
      ['install', '-y', 'nodejs24'],
      ['install', '-y', 'nodejs22'],
      ['install', '-y', 'nodejs20'],
    ]);
    expect(run.stderr).toContain('no Node.js >= 20');
  });
});

describe('AfterInstall', () => {
  it('CICD-9: merges the instance identity and the validated SSM settings into a 0640 environment file', async () => {
    await preparedInstance(
      '# non-secret settings\nDB_SECRET_PARAMETER=/aws/reference/secretsmanager/hello/db\n' +
        'DB_HOST_PARAMETER=/hello/eu-central-1/database/endpoint\n\nFAILURE_RATE=0\n',
    );

    const run = await box.run(hook('after-install.sh'), {
      DEPLOYMENT_ID: 'd-ABCDEF123',
      DEPLOYMENT_GROUP_NAME: 'hello-asg-in-place',
    });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const env = await box.read('etc/hello/hello.env');
    expect(env?.split('\n').filter((line) => !line.startsWith('#'))).toEqual([
      'ENGINE=asg',
      'AWS_REGION=us-east-1',
      'APP_VERSION=0.1.0-abc1234',
      'COLOUR=stable',
      'INSTANCE=i-0abc123def4567890',
      'DB_HOST_PARAMETER=/hello/eu-central-1/database/endpoint',
      'DB_SECRET_PARAMETER=/aws/reference/secretsmanager/hello/db',
      'FAILURE_RATE=0',
      '',
    ]);
    expect((await stat(join(box.root, 'etc/hello/hello.env'))).mode & 0o777).toBe(0o640);
    const calls = await box.calls();
    expect(callsOf(calls, 'aws')).toEqual([
      [
        'ssm',
        'get-parameter',
        '--region',
        'us-east-1',
        '--name',
        '/hello/asg/settings',
        '--query',
        'Parameter.Value',
        '--output',
        'text',
      ],
    ]);
    expect(callsOf(calls, 'chown')).toEqual([['root:hello', join(box.root, 'etc/hello/hello.env')]]);
    expect(callsOf(calls, 'systemctl')).toEqual([['daemon-reload']]);
    expect(callsOf(calls, 'opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl')).toEqual([
      ['-a', 'append-config', '-m', 'ec2', '-s', '-c', 'file:/etc/hello/amazon-cloudwatch-agent.json'],
    ]);
    expect(await box.read('etc/systemd/system/hello.service')).toBe(
      await box.read('opt/hello/config/hello.service'),
    );
    expect(await box.read('etc/logrotate.d/hello')).toBe(await box.read('opt/hello/config/logrotate'));
    const agent = JSON.parse((await box.read('etc/hello/amazon-cloudwatch-agent.json')) ?? '{}');
    expect(agent.logs.logs_collected.files.collect_list).toEqual([
      expect.objectContaining({
        file_path: '/var/log/hello/service.log',
        log_group_name: '/hello/asg/service',
        log_stream_name: '{instance_id}',
      }),
    ]);
  });

  it.each([
    ['a line without =', 'FAILURE_RATE 0.5', 'expected KEY=VALUE'],
    [
      'an unknown key (a connection URL is a secret)',
      'DATABASE_URL=postgres://app:pw@db/estate',
      'unknown setting',
    ],
    ['a value of the wrong shape', 'FAILURE_RATE=2', 'invalid value'],
    [
      'a host parameter that is a host, not a parameter name',
      'DB_HOST_PARAMETER=db.example.com',
      'invalid value',
    ],
    ['a key set twice', 'FAILURE_RATE=0\nFAILURE_RATE=0.1', 'set twice'],
    ['a drain bound longer than the unit waits', 'SHUTDOWN_TIMEOUT_MS=60000', 'must not exceed'],
    ['a lower-case key', 'failure_rate=0', 'expected KEY=VALUE'],
  ])('CICD-9: rejects %s, exits non-zero and writes nothing', async (_, badLine, message) => {
    await preparedInstance(`DB_SECRET_PARAMETER=/hello/db\n${badLine}\n`);
    await box.write('etc/hello/hello.env', 'PREVIOUS=1\n', 0o640);

    const run = await box.run(hook('after-install.sh'));

    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(await box.read('etc/hello/hello.env')).toBe('PREVIOUS=1\n');
    expect(await box.read('etc/systemd/system/hello.service')).toBeUndefined();
    expect(await box.read('etc/hello/amazon-cloudwatch-agent.json')).toBeUndefined();
    expect(callsOf(await box.calls(), 'systemctl')).toEqual([]);
  });

  it.each([
    ['password: hunter2', 'hunter2'],
    ['DATABASE_URL=postgres://app:s3cret@db/estate', 's3cret'],
    ['DB_SECRET_PARAMETER=s3cret value', 's3cret'],
  ])('CICD-9: refuses %j without echoing it into the deployment log', async (badLine, secret) => {
    await preparedInstance(`${badLine}\n`);

    const run = await box.run(hook('after-install.sh'));

    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('line 1:');
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it.each([
    ['hello-fleet-in-place', 'stable'],
    ['hello-asg-bluegreen', 'green'],
    ['hello-asg-blue-green', 'green'],
    ['hello-asg-blue', 'blue'],
    ['hello-asg-green', 'green'],
    ['', 'stable'],
  ])('CICD-9: deployment group %j gives COLOUR=%s', async (group, colour) => {
    await preparedInstance('FAILURE_RATE=0\n');

    const run = await box.run(hook('after-install.sh'), { DEPLOYMENT_GROUP_NAME: group });

    expect(run.code).toBe(0);
    expect(await box.read('etc/hello/hello.env')).toContain(`\nCOLOUR=${colour}\n`);
  });

  it('CICD-9: falls back to the host name when the metadata service does not answer', async () => {
    await preparedInstance('');
    await box.stub('curl', 'exit 7');
    await box.stub('hostname', 'echo ip-10-0-1-23');

    const run = await box.run(hook('after-install.sh'));

    expect(run.code).toBe(0);
    expect(await box.read('etc/hello/hello.env')).toContain('\nINSTANCE=ip-10-0-1-23\n');
    expect(run.stdout).toContain('WARNING: no DB_SECRET_PARAMETER');
  });

  it('CICD-9: fails clearly when the user data did not write instance.env', async () => {
    await preparedInstance('');
    await box.write('etc/hello/instance.env', 'ENGINE=ecs\nAWS_REGION=us-east-1\n');

    const run = await box.run(hook('after-install.sh'));

    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('ENGINE in');
    expect(callsOf(await box.calls(), 'aws')).toEqual([]);
  });
});

describe('ApplicationStart, ApplicationStop and the traffic hooks', () => {
  it('CICD-9: ApplicationStart enables the unit and (re)starts it', async () => {
    await box.stub('systemctl');
    await box.write('etc/systemd/system/hello.service', '[Service]\n');

    const run = await box.run(hook('application-start.sh'));

    expect(run.code).toBe(0);
    expect(callsOf(await box.calls(), 'systemctl')).toEqual([
      ['enable', 'hello.service'],
      ['restart', 'hello.service'],
    ]);
  });

  it('CICD-9: ApplicationStart fails when AfterInstall left no unit', async () => {
    await box.stub('systemctl');

    const run = await box.run(hook('application-start.sh'));

    expect(run.code).not.toBe(0);
    expect(callsOf(await box.calls(), 'systemctl')).toEqual([]);
  });

  it.each(['application-stop.sh', 'after-block-traffic.sh'])(
    'SCALE-4: %s succeeds on a fresh instance where the unit does not exist yet',
    async (script) => {
      await box.stub('systemctl', 'exit 5');

      const run = await box.run(hook(script));

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('not installed yet');
      expect(callsOf(await box.calls(), 'systemctl')).toEqual([]);
    },
  );

  it('SCALE-4: ApplicationStop stops the unit and fails if it is still active afterwards', async () => {
    await box.write('etc/systemd/system/hello.service', '[Service]\n');
    await box.stub('systemctl', '[[ $1 == is-active ]] && echo active; exit 0');

    const run = await box.run(hook('application-stop.sh'));

    expect(run.code).not.toBe(0);
    expect(callsOf(await box.calls(), 'systemctl')).toEqual([
      ['stop', 'hello.service'],
      ['is-active', 'hello.service'],
    ]);
    expect(run.stderr).toContain('still active');
  });

  it('SCALE-4: ApplicationStop accepts a unit that ended failed (stopped, but not cleanly) and says so', async () => {
    await box.write('etc/systemd/system/hello.service', '[Service]\n');
    await box.stub('systemctl', '[[ $1 == is-active ]] && { echo failed; exit 3; }; exit 0');

    const run = await box.run(hook('application-stop.sh'));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('did not exit cleanly');
  });

  it('SCALE-4: BeforeBlockTraffic only reports; the service keeps serving until deregistered', async () => {
    await box.write('etc/systemd/system/hello.service', '[Service]\n');
    await box.stub('systemctl');

    const run = await box.run(hook('before-block-traffic.sh'), {
      DEPLOYMENT_ID: 'd-TERMINATE1',
      DEPLOYMENT_GROUP_NAME: 'hello-asg',
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('d-TERMINATE1');
    expect(callsOf(await box.calls(), 'systemctl')).toEqual([]);
  });
});

it('CICD-9: an in-place deployment runs BeforeInstall, AfterInstall and ApplicationStart in order on one instance', async () => {
  await box.stub('id', 'exit 1');
  await box.stub('useradd');
  await box.stubAt('usr/bin/node', NODE_24);
  await box.write('etc/hello/instance.env', INSTANCE_ENV);
  expect((await box.run(hook('before-install.sh'))).code).toBe(0);
  await preparedInstance('FAILURE_RATE=0\n');
  expect((await box.run(hook('after-install.sh'))).code).toBe(0);
  expect((await box.run(hook('application-start.sh'))).code).toBe(0);

  expect(callsOf(await box.calls(), 'systemctl')).toEqual([
    ['daemon-reload'],
    ['enable', 'hello.service'],
    ['restart', 'hello.service'],
  ]);
});
