// The default estate's templates for one profile, synthesized offline: what the DR posture report reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEstate } from '../infra/bin/estate.ts';
import { parseConfig } from '../infra/config/index.ts';
import { createEstateApp } from '../infra/lib/app.ts';
import type { AssemblyInput, Template } from './dr-posture.ts';

/**
 * The default topology, not the user's config, so the committed report does not depend on who ran it.
 * No credentials and no lookups; Lambda bundling skipped and validation off, since only the templates'
 * properties are read.
 */
export function synthesizeTemplates(profile: string): AssemblyInput {
  const outdir = mkdtempSync(join(tmpdir(), 'estate-dr-report-'));
  try {
    const app = createEstateApp({ outdir, builtinValidation: false });
    app.node.setContext('aws:cdk:bundling-stacks', []);
    buildEstate(app, parseConfig({ profile }, 'defaults'));
    const assembly = app.synth();
    return {
      stacks: assembly.stacks.map((s) => ({
        name: s.stackName,
        account: s.environment.account,
        region: s.environment.region,
        template: s.template as Template,
      })),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
