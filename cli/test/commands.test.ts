import { describe, expect, it } from 'vitest';
import { COST } from '../cost.ts';
import { DIAGRAM } from '../diagram.ts';
import { DRILL } from '../drill.ts';
import { FAILOVER } from '../failover.ts';
import type { Command } from '../lib/usage.ts';
import { PREFLIGHT } from '../preflight.ts';
import { RECOVER } from '../recover.ts';
import { REPORT } from '../report.ts';
import { SYNTH } from '../synth.ts';
import { TEARDOWN } from '../teardown.ts';
import { WATCH } from '../watch.ts';
import { buffer } from './lib/support.ts';

// Each command: its options as --help must list them, and a command line that is wrong in two ways.
const COMMANDS: readonly [Command<unknown>, readonly string[], readonly string[], readonly string[]][] = [
  [
    WATCH,
    ['--rate', '--window', '--by', '--keep-alive', '--requests', '--json'],
    ['--rat', '--window', 'x'],
    [
      'unknown argument --rat',
      'missing <url>',
      '--window must be a number above 0 and at most 3600, got "x"',
    ],
  ],
  [
    FAILOVER,
    ['--to', '--planned', '--allow-data-loss', '--max-lag', '--yes', '--dry-run', '--timeout', '--json'],
    ['--planned', '--allow-data-loss', '--max-lag', '-5'],
    [
      '--to <region> is required',
      '--max-lag needs a value',
      '--planned and --allow-data-loss contradict each other (a switchover loses nothing)',
    ],
  ],
  [
    TEARDOWN,
    [
      '--yes',
      '--dry-run',
      '--delete-snapshots',
      '--delete-protecting-keys',
      '--primary-profile',
      '--recovery-profile',
      '--profile',
    ],
    ['--yes', '--dry-run', '--profile'],
    ['--profile needs a value', '--yes and --dry-run contradict each other'],
  ],
  [
    PREFLIGHT,
    ['--primary-profile', '--recovery-profile', '--profile', '--json'],
    ['--yes', 'now'],
    ['unknown argument --yes', 'unexpected argument "now"'],
  ],
  [
    REPORT,
    ['--write', '--json'],
    ['--write=yes', '--wirte'],
    ['--write takes no value', 'unknown argument --wirte'],
  ],
  [
    SYNTH,
    ['--profile', '--json'],
    ['--json=1', '--profile'],
    ['--profile needs a value', '--json takes no value'],
  ],
  [
    DRILL,
    [
      '--region',
      '--url',
      '--rate',
      '--write-rate',
      '--settle',
      '--timeout',
      '--log',
      '--yes',
      '--dry-run',
      '--json',
    ],
    ['az-outage', '--url', 'ftp://x', '--yes', '--dry-run'],
    [
      '<scenario> takes one of az-power, aurora-failover, ecs-task-stop, asg-capacity, region-dns, got "az-outage"',
      '--url must be http or https',
      '--yes and --dry-run contradict each other',
    ],
  ],
  [
    COST,
    ['--profile', '--details'],
    ['--details=all', '--profile'],
    ['--profile needs a value', '--details takes no value'],
  ],
  [DIAGRAM, [], ['out.md', '--check'], ['unknown argument --check', 'unexpected argument "out.md"']],
  [
    RECOVER,
    ['--yes', '--dry-run', '--accept-rpo', '--verify-timeout', '--profile', '--recovery-profile', '--json'],
    ['--yes', '--dry-run', '--verify-timeout', '0', '--to', 'recovery'],
    [
      'unknown argument --to',
      'unexpected argument "recovery"',
      '--yes and --dry-run contradict each other',
      '--verify-timeout must be a number above 0 and at most 3600, got "0"',
    ],
  ],
];

describe('every operator command', () => {
  for (const [command, options, bad, problems] of COMMANDS) {
    it(`npm run ${command.name} -- --help prints its usage, every option and an example, and runs nothing`, async () => {
      const out = buffer();
      let ran = false;
      const code = await command.run(
        ['--help'],
        () => {
          ran = true;
          return 0;
        },
        { stdout: out, stderr: buffer() },
      );
      expect(code).toBe(0);
      expect(ran).toBe(false);
      const help = out.text();
      expect(help.startsWith(`usage: npm run ${command.name}`)).toBe(true);
      for (const option of options) expect(help).toMatch(new RegExp(`\\n {2}${option}\\b`));
      expect(help).toMatch(new RegExp(`\\nExamples?:\\n {2}npm run ${command.name}`));
    });

    it(`npm run ${command.name} with bad usage exits 2 naming every problem, before any work`, async () => {
      const err = buffer();
      let ran = false;
      const code = await command.run(
        bad,
        () => {
          ran = true;
          return 0;
        },
        { stdout: buffer(), stderr: err },
      );
      expect(code).toBe(2);
      expect(ran).toBe(false);
      for (const problem of problems) expect(err.text()).toContain(`error: ${problem}\n`);
      expect(err.text()).toContain(command.usage());
    });
  }
});
