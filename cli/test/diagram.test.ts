import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config/index.ts';
import { estateTemplates } from '../../infra/test/support/estate.ts';
import {
  ARCHITECTURE_DOC,
  architectureDocument,
  architectureMermaid,
  type DiagramStack,
  diagramStacks,
  mermaidId,
} from '../architecture.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The first ```mermaid block of a Markdown text. */
function mermaidBlock(markdown: string): string | undefined {
  return /^```mermaid\n([\s\S]*?)\n```$/m.exec(markdown)?.[1];
}

/** What a flowchart says, read line by line; throws on a line none of the four shapes it uses matches. */
function parse(mermaid: string) {
  const id = '[A-Za-z][A-Za-z0-9_]*';
  // A quoted label: no raw quote, and HTML only as the line breaks and bold titles the generator writes.
  const text = '"((?:[^"<>]|<br/>|</?b>)*)"';
  const nodes = new Map<string, { label: string; within: string[] }[]>();
  const titles = new Map<string, string>();
  const edges: string[] = [];
  const open: string[] = [];
  const [header, ...body] = mermaid.split('\n');
  expect(header).toBe('flowchart LR');
  for (const line of body) {
    const subgraph = new RegExp(`^ *subgraph (${id}) \\[${text}\\]$`).exec(line);
    const node = new RegExp(`^ *(${id})\\[${text}\\]$`).exec(line);
    const edge = new RegExp(`^ *(${id}) (-->|-\\.->) (${id})$`).exec(line);
    if (subgraph?.[1] !== undefined) {
      titles.set(subgraph[1], subgraph[2] ?? '');
      open.push(subgraph[1]);
    } else if (node?.[1] !== undefined) {
      nodes.set(node[1], [...(nodes.get(node[1]) ?? []), { label: node[2] ?? '', within: [...open] }]);
    } else if (edge !== null) {
      edges.push(`${edge[1]} ${edge[2]} ${edge[3]}`);
    } else if (/^ *end$/.test(line)) {
      expect(open.pop(), 'an end closes a subgraph').toBeDefined();
    } else {
      throw new Error(`not a line of the flowchart: ${line}`);
    }
  }
  expect(open, 'every subgraph is closed').toEqual([]);
  return { nodes, titles, edges };
}

describe('the architecture diagram', () => {
  let stacks: readonly DiagramStack[];
  let mermaid: string;
  beforeAll(() => {
    // The default estate this run synthesized once (infra/test/support/global-setup.ts), as npm run
    // diagram draws it.
    stacks = diagramStacks(parseConfig({}, 'defaults'), estateTemplates('lab'));
    mermaid = architectureMermaid(stacks);
  });

  it('OPS-4: docs/architecture.md and the README hold the diagram the code draws now (npm run diagram)', () => {
    expect(read(ARCHITECTURE_DOC)).toBe(architectureDocument(mermaid));
    const readme = read('README.md');
    const architecture = readme.slice(readme.indexOf('\n## Architecture\n'));
    expect(mermaidBlock(architecture)).toBe(mermaid);
    expect(architecture).toContain(`](${ARCHITECTURE_DOC})`);
  });

  it('OPS-4: every stack of the estate appears once, inside the subgraph of its account and region', () => {
    const { nodes, titles } = parse(mermaid);
    expect(stacks.length).toBeGreaterThan(10);
    expect([...nodes.keys()].sort()).toEqual(stacks.map((s) => mermaidId(s.name)).sort());
    for (const stack of stacks) {
      const drawn = nodes.get(mermaidId(stack.name)) ?? [];
      expect(drawn, stack.name).toHaveLength(1);
      const [account = '', region = ''] = drawn[0]?.within ?? [];
      expect(drawn[0]?.within, stack.name).toHaveLength(2);
      expect(titles.get(account), stack.name).toBe(`<b>${stack.role} account ${stack.account}</b>`);
      expect(titles.get(region), stack.name).toBe(`<b>${stack.region}</b>`);
      expect(drawn[0]?.label, stack.name).toMatch(/^<b>[A-Z][A-Za-z]+<\/b><br\/>[^<]/);
    }
    // One subgraph per account and per (account, region): none drawn twice under another id.
    const sites = new Set(stacks.map((s) => `${s.role}/${s.region}`));
    const roles = new Set(stacks.map((s) => s.role));
    expect(titles.size).toBe(sites.size + roles.size);
  });

  it('OPS-4: an arrow per stack dependency, dotted when it crosses a region or an account', () => {
    const site = (name: string) => {
      const stack = stacks.find((s) => s.name === name);
      return `${stack?.account}/${stack?.region}`;
    };
    const expected = stacks.flatMap((dependent) =>
      dependent.dependsOn.map((dependency) => {
        const arrow = site(dependency) === site(dependent.name) ? '-->' : '-.->';
        return `${mermaidId(dependency)} ${arrow} ${mermaidId(dependent.name)}`;
      }),
    );
    const { edges } = parse(mermaid);
    expect(edges.sort()).toEqual(expected.sort());
    // The estate's own: engines on their foundation and database, backups across regions and accounts.
    expect(edges).toContain('Hello_Foundation_us_east_1 --> Hello_Data_us_east_1');
    expect(edges).toContain('Hello_Data_us_east_1 -.-> Hello_Data_eu_central_1');
    expect(edges).toContain('Hello_Recovery_Backup_us_east_1 -.-> Hello_Backup_us_east_1');
  });

  // A second build would prove nothing the drift test above does not: it compares this run's build with
  // the text an earlier run committed.
  it('OPS-4: the same estate draws the same text, whatever the order of its stacks', () => {
    expect(architectureMermaid([...stacks].reverse())).toBe(mermaid);
    expect(mermaid).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});
