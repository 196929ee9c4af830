// Runs in a child process started by global-setup.ts: synthesizes the default estate of one profile
// with no AWS credentials in sight and writes what happened beside the cloud assembly.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEstate } from '../../bin/estate.ts';
import { parseConfig } from '../../config/index.ts';
import { createEstateApp } from '../../lib/app.ts';
import type { SynthOutcome } from './outcome.ts';

const [profile, outdir] = process.argv.slice(2);
if (profile === undefined || outdir === undefined) throw new Error('usage: synth-worker <profile> <outdir>');

const started = performance.now();
let failure: string | undefined;
try {
  // The template checks need no second opinion from the built-in validator (half of synthesis time);
  // cdk-nag stays on. npm run synth runs both.
  const app = createEstateApp({ outdir, builtinValidation: false });
  buildEstate(app, parseConfig({ profile }, `defaults with profile ${profile}`));
  app.synth();
} catch (error) {
  failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
const outcome: SynthOutcome = { profile, outdir, failure, milliseconds: performance.now() - started };
writeFileSync(join(outdir, 'outcome.json'), JSON.stringify(outcome));
