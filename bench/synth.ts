// npm run bench:synth [-- --reps 3]: synthesis wall time of the full default estate against an empty
// one-stack CDK app, each in a fresh process (as `cdk synth` runs an app), with the built-in template
// validation on (as npm run synth) and off (as the tests). Prints medians and the ratio; target ≤ 3×.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Stack, Validations } from 'aws-cdk-lib';
import { buildEstate } from '../infra/bin/estate.ts';
import { parseConfig } from '../infra/config/index.ts';
import { createEstateApp } from '../infra/lib/app.ts';

type Target = 'estate' | 'empty';
const TARGET_RATIO = 3;

/** Child mode: one synthesis; prints the in-process milliseconds. */
function runOnce(target: Target, builtinValidation: boolean): void {
  const started = performance.now();
  const outdir = mkdtempSync(join(tmpdir(), `bench-synth-${target}-`));
  const app = createEstateApp({ outdir, builtinValidation });
  if (target === 'estate') {
    buildEstate(app, parseConfig({}, 'defaults'));
  } else {
    const stack = new Stack(app, 'Empty', { env: { account: '111111111111', region: 'us-east-1' } });
    Validations.of(stack).acknowledge({
      id: 'CloudFormation-Validate::F0001',
      reason: 'The baseline is an empty stack on purpose',
    });
  }
  app.synth();
  rmSync(outdir, { recursive: true, force: true });
  console.log(JSON.stringify({ synthMs: performance.now() - started }));
}

interface Sample {
  readonly processMs: number;
  readonly synthMs: number;
}

function measure(target: Target, builtinValidation: boolean): Sample {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--run', target, builtinValidation ? 'on' : 'off'],
    { encoding: 'utf8' },
  );
  const processMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`${target} synthesis failed:\n${child.stderr}`);
  const last = child.stdout.trim().split('\n').pop() ?? '{}';
  return { processMs, synthMs: (JSON.parse(last) as { synthMs: number }).synthMs };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function main(argv: readonly string[]): void {
  const runIndex = argv.indexOf('--run');
  if (runIndex >= 0) {
    runOnce(argv[runIndex + 1] === 'estate' ? 'estate' : 'empty', argv[runIndex + 2] !== 'off');
    return;
  }
  const repsIndex = argv.indexOf('--reps');
  const reps = repsIndex >= 0 ? Number(argv[repsIndex + 1]) : 3;
  for (const validation of [true, false]) {
    const samples: Record<Target, Sample[]> = { estate: [], empty: [] };
    // Interleaved, so a burst of load on the machine hits both sides alike.
    for (let i = 0; i < reps; i++) {
      for (const target of ['empty', 'estate'] as const) samples[target].push(measure(target, validation));
    }
    const wall = (t: Target) => median(samples[t].map((s) => s.processMs));
    const synth = (t: Target) => median(samples[t].map((s) => s.synthMs));
    const ratio = wall('estate') / wall('empty');
    console.log(
      `built-in validation ${validation ? 'on (npm run synth)' : 'off (tests)'}, median of ${reps}:`,
    );
    console.log(`  empty one-stack app  process ${seconds(wall('empty'))}  synth ${seconds(synth('empty'))}`);
    console.log(
      `  full default estate  process ${seconds(wall('estate'))}  synth ${seconds(synth('estate'))}`,
    );
    console.log(
      `  ratio (process wall time) ${ratio.toFixed(2)}×  [target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? 'met' : 'missed'}]`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2));
}
