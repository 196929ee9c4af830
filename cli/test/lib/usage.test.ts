import { describe, expect, it } from 'vitest';
import { Progress } from '../../lib/progress.ts';
import { defineCommand, oneOf, positiveNumber, UsageError } from '../../lib/usage.ts';
import { buffer } from './support.ts';

const sample = defineCommand({
  name: 'sample',
  summary: 'Does a sample thing.',
  positionals: [{ name: 'target', description: 'what to act on' }],
  options: {
    to: { type: 'string', value: '<region>', description: 'where to', default: 'eu-central-1' },
    rate: { type: 'string', value: '<n>', description: 'how fast' },
    yes: { type: 'boolean', description: 'act' },
  },
  examples: ['db --to us-east-1 --yes'],
  json: true,
  settings({ values, positionals }, problems) {
    const rate = values.rate === undefined ? 1 : positiveNumber(problems, 'rate', values.rate, 10);
    oneOf(problems, 'to', values.to, ['eu-central-1', 'us-east-1']);
    return { target: positionals[0], to: values.to, rate, yes: values.yes };
  },
});

describe('one way to use every operator command', () => {
  it('--help prints the usage, every option with its default, and an example, and exits 0 without running', async () => {
    const out = buffer();
    let ran = false;
    const code = await sample.run(
      ['--to', 'nowhere', '--help'],
      () => {
        ran = true;
        return 0;
      },
      { stdout: out, stderr: buffer() },
    );
    expect(code).toBe(0);
    expect(ran).toBe(false);
    const help = out.text();
    expect(help).toMatch(/^usage: npm run sample -- <target> \[options\]\n\nDoes a sample thing\./);
    expect(help).toMatch(/ {2}<target> +what to act on/);
    expect(help).toMatch(/--to <region> +where to \(default eu-central-1\)/);
    expect(help).toMatch(/--yes +act/);
    expect(help).toMatch(/--json +print the result as JSON on stdout/);
    expect(help).toMatch(/-h, --help/);
    expect(help).toContain('Example:\n  npm run sample -- db --to us-east-1 --yes');
  });

  it('bad usage exits 2 and names every problem at once: unknown flags, missing values, bad values, positionals', async () => {
    const err = buffer();
    const code = await sample.run(
      ['a', 'b', '--rat', '3', '--rate', '0', '--to', 'mars', '--yes=1', '--to'],
      () => 0,
      {
        stdout: buffer(),
        stderr: err,
      },
    );
    expect(code).toBe(2);
    expect(err.text().split('\n')).toEqual([
      'error: unknown argument --rat',
      'error: --yes takes no value',
      'error: --to needs a value',
      'error: unexpected argument "b"',
      'error: unexpected argument "3"',
      'error: --rate must be a number above 0 and at most 10, got "0"',
      'error: --to takes one of eu-central-1, us-east-1, got "mars"',
      'usage: npm run sample -- <target> [options]',
      '(npm run sample -- --help for more)',
      '',
    ]);
    expect(() => sample.parse([])).toThrow(UsageError);
    expect(() => sample.parse([])).toThrow(/missing <target>/);
  });

  it('a flag never swallows the next flag as its value', () => {
    expect(() => sample.parse(['db', '--to', '--yes'])).toThrow(/--to needs a value/);
    expect(sample.parse(['db', '--to=us-east-1', '--yes'])).toEqual({
      target: 'db',
      to: 'us-east-1',
      rate: 1,
      yes: true,
    });
  });

  it('--json puts the result alone on stdout as JSON, the human lines on stderr', async () => {
    const run = async (argv: string[]) => {
      const out = buffer();
      const err = buffer();
      await sample.run(
        argv,
        (_s, context) => {
          context.say('working');
          context.result({ moved: 1 }, 'moved 1');
          return 0;
        },
        { stdout: out, stderr: err },
      );
      return { out: out.text(), err: err.text() };
    };
    expect(await run(['db'])).toEqual({ out: 'working\nmoved 1\n', err: '' });
    const json = await run(['db', '--json']);
    expect(JSON.parse(json.out)).toEqual({ moved: 1 });
    expect(json.err).toBe('working\n');
  });
});

describe('progress with elapsed time', () => {
  it('in CI (not a terminal) prints one line when a step starts and one when it ends, with the elapsed time', () => {
    let now = 0;
    const out = buffer(false);
    const progress = new Progress(out, () => now);
    progress.step('switching over');
    now = 12_345;
    progress.step('waiting for the endpoint');
    now = 15_000;
    progress.done();
    expect(out.text().split('\n')).toEqual([
      '[   0.0 s] switching over',
      '[  12.3 s] switching over: done in 12.3 s',
      '[  12.3 s] waiting for the endpoint',
      '[  15.0 s] waiting for the endpoint: done in 2.7 s',
      '',
    ]);
    expect(out.text()).not.toContain('\r');
    expect(progress.steps.map((s) => [s.label, s.durationMs])).toEqual([
      ['switching over', 12_345],
      ['waiting for the endpoint', 2_655],
    ]);
  });

  it('on a terminal redraws one live line in place and leaves a finished line per step', async () => {
    let now = 0;
    const out = buffer(true);
    const progress = new Progress(out, () => now);
    progress.step('failing over');
    now = 1000;
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.done();
    const text = out.text();
    expect(text).toContain('\r\x1b[K[   1.0 s] failing over … 1.0 s');
    expect(text.endsWith('\r\x1b[K[   1.0 s] failing over: done in 1.0 s\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });
});
