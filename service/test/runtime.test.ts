import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
/** The major version a version, a range or an image tag starts with (`v24.1.0`, `24.x`, `node:24.17.0-alpine`). */
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);
/** The major the cloud runs: every engine's Node (Lambda nodejs24.x, the image, Beanstalk) is this one. */
const wanted = major(read('.nvmrc'));

describe('the runtime the tests and the scripts run on', () => {
  it('SVC-2: .nvmrc, the engines field, the node package npm installs and the container image name one major', () => {
    const image = /^FROM\s+node:(\S+)/m.exec(read('deploy/container/Dockerfile'))?.[1] ?? '';
    expect(wanted).toBe(24);
    expect([major(pkg.engines.node), major(pkg.devDependencies.node ?? ''), major(image)]).toEqual([
      wanted,
      wanted,
      wanted,
    ]);
  });

  it('SVC-2: this test run, and every bundle the tests start with process.execPath, is on that major', () => {
    expect(major(process.versions.node)).toBe(wanted);
    expect(major(process.version)).toBe(wanted);
  });

  it('SVC-2: npm puts the node it installed before the machine’s own, whatever node runs npm itself', () => {
    // The PATH of a shell outside npm: the machine's node (older, on a fresh machine) runs npm.
    const outside = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.endsWith(join('node_modules', '.bin')))
      .join(delimiter);
    const run = spawnSync('npm', ['exec', '--offline', '--', 'node', '-p', 'process.versions.node'], {
      cwd: root,
      env: { ...process.env, PATH: outside },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(pkg.devDependencies.node);
  });
});
