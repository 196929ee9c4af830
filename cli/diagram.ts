// npm run diagram: docs/architecture.md, the Mermaid diagram of the default estate (see architecture.ts).
// Offline and without graphviz: GitHub and most editors draw the Mermaid block themselves.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ARCHITECTURE_DOC,
  architectureDocument,
  architectureMermaid,
  defaultEstateStacks,
} from './architecture.ts';
import { defineCommand, isMain, type RunContext } from './lib/usage.ts';

export const DIAGRAM = defineCommand({
  name: 'diagram',
  summary: `Draws the architecture of the default estate as Mermaid from the synthesized assembly (OPS-4) into ${ARCHITECTURE_DOC}.`,
  options: {},
  examples: [''],
  settings: () => ({}),
});

function main(_settings: object, context: RunContext): number {
  context.progress.step('synthesizing the default estate');
  const stacks = defaultEstateStacks();
  context.progress.done();
  writeFileSync(
    fileURLToPath(new URL(`../${ARCHITECTURE_DOC}`, import.meta.url)),
    architectureDocument(architectureMermaid(stacks)),
  );
  context.say(`wrote ${ARCHITECTURE_DOC} (${stacks.length} stacks)`);
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await DIAGRAM.run(process.argv.slice(2), main);
