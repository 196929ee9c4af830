import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readRevision } from '../../fleet-blue-green/revision.ts';
import { parseArguments, USAGE, UsageError } from '../../fleet-blue-green.ts';

const problems = (argv: string[]) => {
  try {
    parseArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
};

describe('npm run fleet:blue-green usage', () => {
  it('CICD-5: bad usage names every problem at once, and nothing runs without --yes', () => {
    expect(
      problems(['--bogus', '--instances', '0', '--release', 'a b', '--yes', '--dry-run', 'extra']),
    ).toEqual([
      'unknown option --bogus',
      'unexpected argument extra',
      '--revision is required',
      '--release a b: expected 1-64 letters, digits, dots, dashes or underscores',
      '--instances expects a whole number between 1 and 20, got 0',
      '--yes and --dry-run contradict each other',
    ]);
    expect(parseArguments(['--revision', 'r.zip'], new Date('2026-05-04T03:02:01Z'))).toMatchObject({
      dryRun: true,
      release: 'manual-20260504030201',
      healthyTimeoutMinutes: 15,
    });
    expect(
      parseArguments(['--revision=r.zip', '--yes', '--release', 'abc', '--timeout', '90']),
    ).toMatchObject({
      dryRun: false,
      release: 'abc',
      timeoutMinutes: 90,
    });
    expect(parseArguments(['--help'])).toEqual({ help: true });
    expect(USAGE).toMatch(/^Usage: npm run fleet:blue-green -- --revision <zip\|dir>/);
    for (const option of ['--revision <zip|dir>', '--release <id>', '--dry-run', '--yes', '--help']) {
      expect(USAGE).toContain(option);
    }
  });

  it('CICD-5: the command exits 2 on bad usage, printing the problems and the usage', () => {
    const run = spawnSync('npx', ['tsx', 'cli/fleet-blue-green.ts', '--instances', 'many'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '--revision is required\n--instances expects a whole number between 1 and 20, got many',
    );
    expect(run.stderr).toContain('Usage: npm run fleet:blue-green');
  }, 120_000);

  it('CICD-5: a revision directory is zipped with its hook scripts executable; a tree without appspec.yml is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revision-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      writeFileSync(join(dir, 'appspec.yml'), 'version: 0.0\n');
      writeFileSync(join(dir, 'scripts', 'start.sh'), '#!/bin/bash\n');
      const zip = await readRevision(dir);
      const entries = unzipSync(zip);
      expect(Object.keys(entries).sort()).toEqual(['appspec.yml', 'scripts/start.sh']);
      // The external attributes of the central directory carry the Unix mode: find start.sh's.
      const central = Buffer.from(zip);
      const at = central.lastIndexOf(Buffer.from('scripts/start.sh')) - 46;
      expect((central.readUInt32LE(at + 38) >>> 16) & 0o777).toBe(0o755);
      rmSync(join(dir, 'appspec.yml'));
      await expect(readRevision(dir)).rejects.toThrow(/no appspec.yml at the root/);
      await expect(readRevision(join(dir, 'missing'))).rejects.toThrow(/no such file or directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
