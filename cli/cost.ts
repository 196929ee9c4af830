// npm run cost [-- --profile production] [--details]: what the estate of the user's config costs to run, per
// stack and in total, per hour (normal and peak capacity) and per day, a lab weekend, and what a teardown
// leaves billing. Offline: it reads the synthesized templates and the dated price table, never the bill.
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../infra/config/index.ts';
import { estimateCost } from './cost/estimate.ts';
import { loadPrices } from './cost/prices.ts';
import { formatEstimate } from './cost/render.ts';
import { synthesizeStacks } from './estate-templates.ts';
import { profileArgument } from './synth.ts';

function main(argv: readonly string[]): number {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ profile: profileArgument(argv) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const estimate = estimateCost(synthesizeStacks(config), loadPrices());
  console.log(formatEstimate(estimate, config.profile, argv.includes('--details')));
  return estimate.stacks.some((s) => s.unpriced.length > 0) ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
