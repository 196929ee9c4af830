import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** Where the golden image's component documents and their manifest live. */
export const COMPONENTS_DIR = fileURLToPath(new URL('../../../../deploy/ami', import.meta.url));

/** The AWSTOE action the components use, with the inputs it takes. */
const executeBash = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected a step name of letters and digits'),
  action: z.literal('ExecuteBash'),
  timeoutSeconds: z.number().int().positive().optional(),
  inputs: z.strictObject({ commands: z.array(z.string().min(1)).min(1) }),
});
const step = z.discriminatedUnion('action', [executeBash], {
  error: 'expected action ExecuteBash (the action these components rely on)',
});

/** The part of the AWSTOE component document schema (schemaVersion 1.0) these components rely on. */
export const componentDocument = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    description: z.string().min(1),
    schemaVersion: z.literal(1),
    parameters: z
      .array(
        z.record(
          z.string().regex(/^\w+$/),
          z.strictObject({
            type: z.literal('string'),
            default: z.string().optional(),
            description: z.string(),
          }),
        ),
      )
      .optional(),
    phases: z
      .array(
        z.strictObject({
          name: z.enum(['build', 'validate', 'test']),
          steps: z.array(step).min(1),
        }),
      )
      .min(1),
  })
  .superRefine((doc, ctx) => {
    doc.phases.forEach((phase, i) => {
      if (doc.phases.findIndex((p) => p.name === phase.name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['phases', i, 'name'], message: `phase ${phase.name} twice` });
      }
      const names = phase.steps.map((s) => s.name);
      names.forEach((n, j) => {
        if (names.indexOf(n) !== j) {
          ctx.addIssue({ code: 'custom', path: ['phases', i, 'steps', j], message: `step ${n} twice` });
        }
      });
    });
    const declared = new Set((doc.parameters ?? []).flatMap((p) => Object.keys(p)));
    const used = JSON.stringify(doc.phases).matchAll(/\{\{ (\w+) \}\}/g);
    for (const [, name] of used) {
      if (name !== undefined && !declared.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['parameters'], message: `{{ ${name} }} is not declared` });
      }
    }
  });
export type ComponentDocument = z.infer<typeof componentDocument>;

/** One component of the manifest, with its document read and checked. */
export interface ImageComponent {
  /** The component's name, also the document's. */
  readonly name: string;
  /** Semantic version: a new version is a new component in Image Builder (versions are immutable). */
  readonly version: string;
  /** The YAML exactly as Image Builder receives it. */
  readonly data: string;
  /** The document, parsed and validated. */
  readonly document: ComponentDocument;
  /** Whether it runs in the test phase, on an instance launched from the new image. */
  readonly test: boolean;
}

const manifest = z.array(
  z.strictObject({
    file: z.string().regex(/^[a-z0-9-]+\.yml$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a semantic version such as 1.0.0'),
    /** The document's sha256, so an edited document without a new version fails loudly. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
);

/**
 * The components of deploy/ami in recipe order, from its manifest. Image Builder refuses a second
 * component with the same name and version, and CloudFormation replaces a component whose document
 * changed by creating the new one first: an edit without a version bump would fail the deploy. The
 * manifest pins each document's hash to its version, so that mistake fails here, at synthesis.
 */
export function imageComponents(dir = COMPONENTS_DIR): ImageComponent[] {
  const entries = manifest.parse(JSON.parse(readFileSync(join(dir, 'components.json'), 'utf8')));
  return entries.map(({ file, version, sha256 }) => {
    const data = readFileSync(join(dir, file), 'utf8');
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) {
      throw new Error(
        `deploy/ami/${file} changed (sha256 ${actual}) but its manifest entry still pins version ${version}: give it a new version and that sha256 in deploy/ami/components.json`,
      );
    }
    const parsed = componentDocument.safeParse(parse(data));
    if (!parsed.success) {
      throw new Error(`deploy/ami/${file}: ${z.prettifyError(parsed.error)}`);
    }
    const document = parsed.data;
    if (`${document.name}.yml` !== file)
      throw new Error(`deploy/ami/${file}: expected name ${file.slice(0, -4)}`);
    return {
      name: document.name,
      version,
      data,
      document,
      test: document.phases.every((p) => p.name === 'test'),
    };
  });
}
