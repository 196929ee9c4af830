import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith, shellcheck } from '../../testing/requires.ts';
import { scriptsSource } from './support/sandbox.ts';

const scripts = readdirSync(scriptsSource)
  .filter((name) => name.endsWith('.sh'))
  .sort();

describeWith(shellcheck, 'hook scripts under shellcheck', () => {
  it.each(scripts)('CICD-9: %s passes shellcheck at style severity, following what it sources', (name) => {
    const result = spawnSync('shellcheck', ['--external-sources', '--severity=style', '--format=gcc', name], {
      cwd: scriptsSource,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

it.each(scripts.filter((name) => name !== 'lib.sh'))(
  'CICD-9: %s is a bash program whose first command is set -euo pipefail',
  (name) => {
    const lines = readFileSync(join(scriptsSource, name), 'utf8').split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env bash');
    const firstCommand = lines.slice(1).find((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(firstCommand).toBe('set -euo pipefail');
  },
);
