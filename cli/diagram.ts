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

const target = fileURLToPath(new URL(`../${ARCHITECTURE_DOC}`, import.meta.url));
const stacks = defaultEstateStacks();
writeFileSync(target, architectureDocument(architectureMermaid(stacks)));
console.log(`wrote ${ARCHITECTURE_DOC} (${stacks.length} stacks)`);
