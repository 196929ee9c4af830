// The estate's templates synthesized offline: the default estate for the DR posture report, any config for
// the teardown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEstate } from '../infra/bin/estate.ts';
import { type EstateConfig, parseConfig } from '../infra/config/index.ts';
import { createEstateApp } from '../infra/lib/app.ts';
import type { AssemblyInput, StackTemplate, Template } from './dr-posture.ts';

/** A synthesized stack with the names of the stacks it waits for. */
export interface SynthesizedStack extends StackTemplate {
  /** Names of the stacks it depends on. */
  readonly dependsOn: readonly string[];
}

/**
 * The stacks of the estate `config` describes. No credentials and no lookups; Lambda bundling skipped and
 * validation off, since only the templates' properties are read.
 */
export function synthesizeStacks(config: EstateConfig): SynthesizedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), 'estate-templates-'));
  try {
    const app = createEstateApp({ outdir, builtinValidation: false });
    app.node.setContext('aws:cdk:bundling-stacks', []);
    buildEstate(app, config);
    const assembly = app.synth();
    const names = new Map(assembly.stacks.map((s) => [s.id, s.stackName]));
    return assembly.stacks.map((s) => ({
      name: s.stackName,
      account: s.environment.account,
      region: s.environment.region,
      template: s.template as Template,
      dependsOn: s.dependencies.flatMap((d) => names.get(d.id) ?? []),
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The default topology, not the user's config, so the committed report does not depend on who ran it.
 */
export function synthesizeTemplates(profile: string): AssemblyInput {
  return {
    stacks: synthesizeStacks(parseConfig({ profile }, 'defaults')).map(
      ({ name, account, region, template }) => ({
        name,
        account,
        region,
        template,
      }),
    ),
  };
}
