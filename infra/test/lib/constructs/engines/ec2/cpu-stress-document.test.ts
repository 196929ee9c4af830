import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itWith, shellcheck } from '../../../../../../testing/requires.ts';
import { MAX_STRESS_SECONDS } from '../../../../../lib/constructs/engines/ec2/cpu-stress-document.ts';
import { estate } from '../../../../support/estate.ts';
import { only } from '../../../stacks/ec2-template.ts';

// The document exactly as synthesized into the home region's ASG stack.
const [, document] = only(estate('lab').stack('Hello-Asg-us-east-1').json, 'AWS::SSM::Document');
const content = document.Properties?.Content as {
  schemaVersion: string;
  parameters: Record<string, { allowedPattern: string; default: string }>;
  mainSteps: { action: string; inputs: { runCommand: string[]; timeoutSeconds: string } }[];
};
const step = content.mainSteps[0];
const script = (durationSeconds: string) =>
  `${(step?.inputs.runCommand ?? []).join('\n').replaceAll('{{ durationSeconds }}', durationSeconds)}\n`;

/** Runs the script with bash; `fakes` are executables put first on PATH (name → script body). */
function run(durationSeconds: string, fakes: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-stress-'));
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const file = join(dir, 'stress.sh');
  writeFileSync(file, script(durationSeconds));
  const started = performance.now();
  const result = spawnSync('bash', [file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: `${dir}:/usr/bin:/bin`, RECORD: join(dir, 'record') },
  });
  const record = (() => {
    try {
      return readFileSync(join(dir, 'record'), 'utf8');
    } catch {
      return '';
    }
  })();
  return { ...result, seconds: (performance.now() - started) / 1000, record };
}

describe('CpuStressDocument', () => {
  it('SCALE-6: is an SSM Command document (schema 2.2) with one aws:runShellScript step', () => {
    expect(document.Properties).toMatchObject({ DocumentType: 'Command' });
    expect(content.schemaVersion).toBe('2.2');
    expect(content.mainSteps.map((s) => s.action)).toEqual(['aws:runShellScript']);
    expect(content.parameters.durationSeconds?.allowedPattern).toBe('^[0-9]{1,6}$');
    expect(Number(step?.inputs.timeoutSeconds)).toBeGreaterThan(MAX_STRESS_SECONDS);
  });

  it('SCALE-6: clamps the duration in the script itself', () => {
    expect(script('1')).toContain(`max=${MAX_STRESS_SECONDS}`);
    expect(script('1')).toContain('if (( duration > max )); then duration=$max; fi');
    expect(script('1')).toContain('timeout --kill-after=5');
  });

  it('SCALE-6: really loads the CPU and ends within its bound (1 s asked)', () => {
    const result = run('1');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/stressing \d+ core\(s\) for 1 s[\s\S]*stress done/);
    expect(result.seconds).toBeLessThan(10);
  });

  it.each([
    ['99999', MAX_STRESS_SECONDS],
    ['0', 1],
    ['0042', 42],
  ])('SCALE-6: asked for %s s, it stresses for %i s', (asked, expected) => {
    const result = run(asked, {
      nproc: 'echo 2',
      timeout: 'echo "$*" >> "$RECORD"',
      'stress-ng': 'exit 0',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`for ${expected} s`);
    expect(result.record).toContain(`--timeout ${expected}s`);
  });

  it('SCALE-6: refuses a duration that is not a number, before stressing anything', () => {
    const result = run('5; reboot', { timeout: 'echo "$*" >> "$RECORD"' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/must be a whole number/);
    expect(result.record).toBe('');
  });

  it('SCALE-6: without stress-ng, one busy loop per core, each under timeout', () => {
    const result = run('7', { nproc: 'echo 3', timeout: 'echo "$*" >> "$RECORD"; exit 124' });
    expect(result.status).toBe(0);
    expect(result.record.trim().split('\n')).toEqual(
      Array(3).fill('--kill-after=5 7 bash -c while :; do :; done'),
    );
  });

  itWith(shellcheck, 'passes shellcheck', () => {
    const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script('300'), encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
