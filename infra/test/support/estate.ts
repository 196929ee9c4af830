import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { SynthOutcome } from './outcome.ts';

/** A CloudFormation template as JSON. */
export interface TemplateJson {
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }
  >;
  readonly [section: string]: unknown;
}

/** One stack of the synthesized estate. */
export interface SynthesizedStack {
  /** Stack name (also its artifact id). */
  readonly name: string;
  /** Account from the assembly manifest. */
  readonly account: string;
  /** Region from the assembly manifest. */
  readonly region: string;
  /** Names of the stacks it depends on. */
  readonly dependsOn: readonly string[];
  /** The template as JSON, for table-driven checks. */
  readonly json: TemplateJson;
  /** The template for aws-cdk-lib assertions. */
  template(): Template;
}

/** The estate of one profile, as the global setup synthesized it. */
export interface SynthesizedEstate {
  readonly outcome: SynthOutcome;
  /** The cloud assembly manifest. */
  readonly manifest: {
    artifacts: Record<string, { type: string; environment?: string; dependencies?: string[] }>;
    missing?: unknown[];
  };
  readonly stacks: readonly SynthesizedStack[];
  /** The stack of that name; throws listing the names if there is none. */
  stack(name: string): SynthesizedStack;
}

const cache = new Map<string, SynthesizedEstate>();

/** The estate synthesized once for this test run (see global-setup.ts). */
export function estate(profile: 'lab' | 'production' = 'lab'): SynthesizedEstate {
  const cached = cache.get(profile);
  if (cached !== undefined) return cached;
  const outcome = inject('estate')[profile];
  if (outcome === undefined) throw new Error(`no synthesized estate for profile ${profile}`);
  // A failed synthesis may leave no assembly: its outcome is still readable, and any stack names the failure.
  const manifestFile = join(outcome.outdir, 'manifest.json');
  const manifest = (
    outcome.failure !== undefined && !existsSync(manifestFile) ? { artifacts: {} } : readJson(manifestFile)
  ) as SynthesizedEstate['manifest'];
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name, a]): SynthesizedStack => {
      const [, account = '', region = ''] = /^aws:\/\/([^/]+)\/(.+)$/.exec(a.environment ?? '') ?? [];
      const json = readJson(join(outcome.outdir, `${name}.template.json`)) as TemplateJson;
      let template: Template | undefined;
      return {
        name,
        account,
        region,
        dependsOn: (a.dependencies ?? []).filter(
          (d) => manifest.artifacts[d]?.type === 'aws:cloudformation:stack',
        ),
        json,
        template: () => {
          template ??= Template.fromJSON(json);
          return template;
        },
      };
    });
  const synthesized: SynthesizedEstate = {
    outcome,
    manifest,
    stacks,
    stack(name) {
      const found = stacks.find((s) => s.name === name);
      if (found === undefined)
        throw new Error(
          outcome.failure === undefined
            ? `no stack ${name}; stacks: ${stacks.map((s) => s.name).join(', ')}`
            : `no stack ${name}: the ${profile} estate did not synthesize: ${outcome.failure}`,
        );
      return found;
    },
  };
  cache.set(profile, synthesized);
  return synthesized;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The stacks of a profile's estate as the operator CLI reads them; fails if synthesis failed. */
export function estateTemplates(profile: 'lab' | 'production' = 'lab'): {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: TemplateJson;
  readonly dependsOn: readonly string[];
}[] {
  const synthesized = estate(profile);
  if (synthesized.outcome.failure !== undefined)
    throw new Error(`the ${profile} estate did not synthesize: ${synthesized.outcome.failure}`);
  return synthesized.stacks.map(({ name, account, region, json, dependsOn }) => ({
    name,
    account,
    region,
    template: json,
    dependsOn,
  }));
}
