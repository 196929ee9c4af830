// npm run pipeline-diagram: docs/pipeline.md, the release pipeline of the default estate as a Mermaid
// picture (see pipeline-picture.ts), drawn from the synthesized pipeline template.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../infra/config/index.ts';
import { synthesizeStacks } from './estate-templates.ts';
import { PIPELINE_DOC, pictureStages, pipelineDocument, pipelineMermaid } from './pipeline-picture.ts';

const target = fileURLToPath(new URL(`../${PIPELINE_DOC}`, import.meta.url));
const stages = pictureStages(synthesizeStacks(parseConfig({}, 'defaults')));
writeFileSync(target, pipelineDocument(pipelineMermaid(stages)));
console.log(`wrote ${PIPELINE_DOC} (${stages.length} stages)`);
