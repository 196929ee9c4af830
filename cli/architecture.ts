// The architecture diagram (OPS-4): the default estate as Mermaid text, one box per stack inside its account
// and region, an arrow per stack dependency. diagram.ts writes it to docs/architecture.md.
import { type EstateConfig, parseConfig, type Site, stackName } from '../infra/config/index.ts';
import { type SynthesizedStack, synthesizeStacks } from './estate-templates.ts';

/** Where the generated diagram lives, relative to the repository root. */
export const ARCHITECTURE_DOC = 'docs/architecture.md';

/** Characters per line of a stack's summary: wider boxes push the regions apart. */
const WRAP = 36;

/** What the diagram shows of a stack. */
export interface DiagramStack {
  readonly name: string;
  /** `primary` or `recovery`: the account it deploys to. */
  readonly role: string;
  readonly account: string;
  readonly region: string;
  /** `Foundation` of `Hello-Recovery-Foundation-us-east-2`. */
  readonly concern: string;
  /** Its template's description without the `Hello (lab): ` every stack's starts with. */
  readonly summary: string;
  /** Names of the stacks it waits for. */
  readonly dependsOn: readonly string[];
}

/**
 * What the diagram shows of each synthesized stack. Synthesized, because only synthesis turns cross-stack
 * references into stack dependencies (composition alone knows the explicit ones).
 */
export function diagramStacks(config: EstateConfig, stacks: readonly SynthesizedStack[]): DiagramStack[] {
  return stacks.map((stack) => {
    const role =
      stack.account === config.accounts.recovery && stack.account !== config.accounts.primary
        ? 'recovery'
        : 'primary';
    const prefix = `${config.appName}-${role === 'recovery' ? 'Recovery-' : ''}`;
    const concern = stack.name.slice(prefix.length, -`-${stack.region}`.length);
    if (stackName(config, concern, { role, region: stack.region as Site['region'] }) !== stack.name)
      throw new Error(`${stack.name} is not named by stackName(): the diagram cannot tell its concern`);
    const { Description: description = '' } = stack.template as { Description?: string };
    const summaryPrefix = `${config.appName} (${config.profile}): `;
    if (!description.startsWith(summaryPrefix))
      throw new Error(`${stack.name}: description does not start with "${summaryPrefix}"`);
    return {
      name: stack.name,
      role,
      account: stack.account,
      region: stack.region,
      concern,
      summary: description.slice(summaryPrefix.length),
      dependsOn: stack.dependsOn,
    };
  });
}

/**
 * The stacks of the default estate. The default topology, not the user's config, so the committed diagram
 * does not depend on who drew it.
 */
export function defaultEstateStacks(): DiagramStack[] {
  const config = parseConfig({}, 'defaults');
  return diagramStacks(config, synthesizeStacks(config));
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

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `flowchart LR`: a subgraph per account, in it a subgraph per region, in it a node per stack (its concern
 * and description); an arrow from each stack to each stack that depends on it, dotted when it crosses a
 * region or an account. Everything sorted by name, so the text changes only when the estate does.
 */
export function architectureMermaid(stacks: readonly DiagramStack[]): string {
  const ids = new Map<string, string>();
  for (const { name } of stacks) {
    const clash = ids.get(mermaidId(name));
    if (clash !== undefined) throw new Error(`${name} and ${clash} share the Mermaid id ${mermaidId(name)}`);
    ids.set(mermaidId(name), name);
  }
  const estate = new Map<string, DiagramStack>(stacks.map((s) => [s.name, s]));
  const sorted = [...stacks].sort((a, b) => byName(a.name, b.name));
  const accounts = [...new Set(sorted.map((s) => s.role))].sort(byName);

  const lines = ['flowchart LR'];
  for (const role of accounts) {
    const inAccount = sorted.filter((s) => s.role === role);
    const account = inAccount[0]?.account ?? '';
    lines.push(`  subgraph ${mermaidId('account', role)} [${label(`${role} account ${account}`)}]`);
    for (const region of [...new Set(inAccount.map((s) => s.region))].sort(byName)) {
      lines.push(`    subgraph ${mermaidId(role, region)} [${label(region)}]`);
      for (const stack of inAccount.filter((s) => s.region === region))
        lines.push(`      ${mermaidId(stack.name)}[${label(stack.concern, wrap(stack.summary))}]`);
      lines.push('    end');
    }
    lines.push('  end');
  }

  const edges = sorted.flatMap((dependent) =>
    dependent.dependsOn.map((name) => {
      const dependency = estate.get(name);
      if (dependency === undefined)
        throw new Error(`${dependent.name} depends on ${name}, not a stack of the estate`);
      const local = dependency.role === dependent.role && dependency.region === dependent.region;
      return `  ${mermaidId(dependency.name)} ${local ? '-->' : '-.->'} ${mermaidId(dependent.name)}`;
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
