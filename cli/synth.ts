// npm run synth [-- --profile production] [--json]: the whole estate into cdk.out, with the built-in template
// validation and cdk-nag, then one line per stack and the wall time.
import { rmSync } from 'node:fs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildEstate } from '../infra/bin/estate.ts';
import { createEstateApp } from '../infra/lib/app.ts';
import { deployWaves } from '../infra/lib/waves.ts';
import { commandConfig } from './lib/command-config.ts';
import { defineCommand, isMain, type RunContext, SHARED_OPTIONS } from './lib/usage.ts';

/** One row of the synth summary. */
export interface StackSummary {
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  readonly resources: number;
  readonly wave: number;
}

/** The stacks of an assembly in deploy order, with their resource counts and waves. */
export function summarize(assembly: CloudAssembly): StackSummary[] {
  const stacks = assembly.stacks;
  const waves = deployWaves(stacks.map((s) => ({ name: s.id, dependsOn: s.dependencies.map((d) => d.id) })));
  return stacks
    .map((s) => ({
      stack: s.stackName,
      account: s.environment.account,
      region: s.environment.region,
      resources: Object.keys(s.template.Resources ?? {}).length,
      wave: waves.get(s.id) ?? 0,
    }))
    .sort((a, b) => a.wave - b.wave);
}

/** A plain-text table, columns padded, numbers right-aligned. */
export function formatTable(rows: readonly StackSummary[]): string {
  const header = ['stack', 'account', 'region', 'resources', 'wave'];
  const cells = rows.map((r) => [r.stack, r.account, r.region, String(r.resources), String(r.wave)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const numeric = new Set([3, 4]);
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (numeric.has(i) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const SYNTH = defineCommand({
  name: 'synth',
  summary:
    'The whole estate into cdk.out, with the built-in template validation and cdk-nag, then one line per stack (account, region, resources, deploy wave) and the wall time.',
  options: {
    profile: SHARED_OPTIONS.profile,
  },
  examples: ['', '--profile production --json'],
  json: true,
  settings: ({ values }) => ({ profile: values.profile }),
});

function main(settings: { profile?: string }, context: RunContext): number {
  const config = commandConfig(settings.profile, console.error);
  if (config === undefined) return 2;
  const outdir = 'cdk.out';
  rmSync(outdir, { recursive: true, force: true });
  const started = performance.now();
  context.progress.step(`synthesizing the ${config.profile} estate`);
  const app = createEstateApp({ outdir, builtinValidation: true });
  buildEstate(app, config);
  let assembly: CloudAssembly;
  try {
    assembly = app.synth();
  } catch (error) {
    context.progress.done('failed');
    console.error(error instanceof Error ? error.message : String(error));
    console.error(`Synthesis failed: see ${outdir}/validation-report.json`);
    return 1;
  }
  context.progress.done();
  const seconds = (performance.now() - started) / 1000;
  const rows = summarize(assembly);
  const resources = rows.reduce((n, r) => n + r.resources, 0);
  context.result(
    { profile: config.profile, outdir, seconds, stacks: rows },
    `${formatTable(rows)}\n\n${rows.length} stacks, ${resources} resources, profile ${config.profile}: synthesized into ${outdir} in ${seconds.toFixed(1)} s (built-in validation and cdk-nag on)`,
  );
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await SYNTH.run(process.argv.slice(2), main);
