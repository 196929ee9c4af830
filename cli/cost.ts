// npm run cost [-- --profile production] [--details]: what the estate of the user's config costs to run, per
// stack and in total, per hour (normal and peak capacity) and per day, a lab weekend, and what a teardown
// leaves billing. Offline: it reads the synthesized templates and the dated price table, never the bill.
import { estimateCost } from './cost/estimate.ts';
import { loadPrices } from './cost/prices.ts';
import { formatEstimate } from './cost/render.ts';
import { synthesizeStacks } from './estate-templates.ts';
import { commandConfig } from './lib/command-config.ts';
import { defineCommand, isMain, SHARED_OPTIONS } from './lib/usage.ts';

export const COST = defineCommand({
  name: 'cost',
  summary:
    'What the estate of your config costs to run, per stack and in total: per hour at normal and peak capacity, per day, a lab weekend, and what a teardown leaves billing. Exits 1 when a resource type is unpriced.',
  options: {
    profile: SHARED_OPTIONS.profile,
    details: { type: 'boolean', description: 'every priced resource of every stack' },
  },
  examples: ['', '--profile production --details'],
  settings: ({ values }) => ({ profile: values.profile, details: values.details }),
});

function main(settings: { profile?: string; details: boolean }): number {
  const config = commandConfig(settings.profile, console.error);
  if (config === undefined) return 2;
  const estimate = estimateCost(synthesizeStacks(config), loadPrices());
  console.log(formatEstimate(estimate, config.profile, settings.details));
  return estimate.stacks.some((s) => s.unpriced.length > 0) ? 1 : 0;
}

if (isMain(import.meta.url)) process.exitCode = await COST.run(process.argv.slice(2), main);
