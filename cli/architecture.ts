// The architecture diagram (OPS-4): the default estate as Mermaid text, one box per stack inside its account
// and region, an arrow per stack dependency. diagram.ts writes it to docs/architecture.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEstate } from '../infra/bin/estate.ts';
import { parseConfig, stackName } from '../infra/config/index.ts';
import { createEstateApp } from '../infra/lib/app.ts';
import type { EstateStack } from '../infra/lib/stacks/estate-stack.ts';

/** Where the generated diagram lives, relative to the repository root. */
export const ARCHITECTURE_DOC = 'docs/architecture.md';

/** Characters per line of a stack's summary: wider boxes push the regions apart. */
const WRAP = 36;

/**
 * The stacks of the default estate, synthesized: only synthesis turns cross-stack references into stack
 * dependencies (composition alone knows the explicit ones). The default topology, not the user's config,
 * so the committed diagram does not depend on who drew it; Lambda bundling skipped, it adds nothing here.
 */
export function defaultEstateStacks(): readonly EstateStack[] {
  const outdir = mkdtempSync(join(tmpdir(), 'estate-architecture-'));
  try {
    const app = createEstateApp({ outdir, builtinValidation: false });
    app.node.setContext('aws:cdk:bundling-stacks', []);
    const { stacks } = buildEstate(app, parseConfig({}, 'defaults'));
    app.synth();
    return stacks;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A Mermaid node or subgraph id: letters, digits and underscores only (`Hello-Asg-us-east-1` → `Hello_Asg_us_east_1`). */
export function mermaidId(...parts: readonly string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/** Text safe inside a quoted Mermaid label (which reads HTML). */
function escapeLabel(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** A quoted Mermaid label: a bold title, then lines of text. */
function label(title: string, lines: readonly string[] = []): string {
  return `"${[`<b>${escapeLabel(title)}</b>`, ...lines.map(escapeLabel)].join('<br/>')}"`;
}

/** Words of `text` in lines of at most {@link WRAP} characters (a longer word stands alone). */
function wrap(text: string): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.length - 1;
    const current = lines[last];
    if (current !== undefined && current.length + 1 + word.length <= WRAP) lines[last] = `${current} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** `Foundation` of `Hello-Recovery-Foundation-us-east-2`: the inverse of {@link stackName}. */
function concernOf(stack: EstateStack): string {
  const prefix = `${stack.config.appName}-${stack.site.role === 'recovery' ? 'Recovery-' : ''}`;
  const concern = stack.stackName.slice(prefix.length, -`-${stack.site.region}`.length);
  if (stackName(stack.config, concern, stack.site) !== stack.stackName)
    throw new Error(`${stack.stackName} is not named by stackName(): the diagram cannot tell its concern`);
  return concern;
}

/** The stack's one-line description without the `Hello (lab): ` that every stack's starts with. */
function summaryOf(stack: EstateStack): string {
  const description = stack.templateOptions.description ?? '';
  const prefix = `${stack.config.appName} (${stack.config.profile}): `;
  if (!description.startsWith(prefix))
    throw new Error(`${stack.stackName}: description does not start with "${prefix}"`);
  return description.slice(prefix.length);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `flowchart LR`: a subgraph per account, in it a subgraph per region, in it a node per stack (its concern
 * and description); an arrow from each stack to each stack that depends on it, dotted when it crosses a
 * region or an account. Everything sorted by name, so the text changes only when the estate does.
 */
export function architectureMermaid(stacks: readonly EstateStack[]): string {
  const ids = new Map<string, string>();
  for (const { stackName: name } of stacks) {
    const clash = ids.get(mermaidId(name));
    if (clash !== undefined) throw new Error(`${name} and ${clash} share the Mermaid id ${mermaidId(name)}`);
    ids.set(mermaidId(name), name);
  }
  const estate = new Map<string, EstateStack>(stacks.map((s) => [s.stackName, s]));
  const sorted = [...stacks].sort((a, b) => byName(a.stackName, b.stackName));
  const accounts = [...new Set(sorted.map((s) => s.site.role))].sort(byName);

  const lines = ['flowchart LR'];
  for (const role of accounts) {
    const inAccount = sorted.filter((s) => s.site.role === role);
    const account = inAccount[0]?.site.account ?? '';
    lines.push(`  subgraph ${mermaidId('account', role)} [${label(`${role} account ${account}`)}]`);
    for (const region of [...new Set(inAccount.map((s) => s.site.region))].sort(byName)) {
      lines.push(`    subgraph ${mermaidId(role, region)} [${label(region)}]`);
      for (const stack of inAccount.filter((s) => s.site.region === region))
        lines.push(`      ${mermaidId(stack.stackName)}[${label(concernOf(stack), wrap(summaryOf(stack)))}]`);
      lines.push('    end');
    }
    lines.push('  end');
  }

  const edges = sorted.flatMap((dependent) =>
    dependent.dependencies.map(({ stackName: name }) => {
      const dependency = estate.get(name);
      if (dependency === undefined)
        throw new Error(`${dependent.stackName} depends on ${name}, not a stack of the estate`);
      const local =
        dependency.site.role === dependent.site.role && dependency.site.region === dependent.site.region;
      return `  ${mermaidId(dependency.stackName)} ${local ? '-->' : '-.->'} ${mermaidId(dependent.stackName)}`;
    }),
  );
  return [...lines, ...edges.sort(byName)].join('\n');
}

/** The whole of docs/architecture.md around the Mermaid text. */
export function architectureDocument(mermaid: string): string {
  return [
    '# Architecture',
    '',
    'Generated by `npm run diagram` from infra/bin/estate.ts; do not edit. The default estate: one box per',
    'stack inside its account and region; an arrow runs from a stack to each stack that depends on it (the',
    'deploy order), dotted when it crosses a region or an account.',
    '',
    '```mermaid',
    mermaid,
    '```',
    '',
  ].join('\n');
}
