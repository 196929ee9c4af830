import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config/index.ts';
import { releasePlan } from '../../infra/lib/constructs/delivery/release-plan.ts';
import { estateTemplates } from '../../infra/test/support/estate.ts';
import { PIPELINE_DOC, pictureStages, pipelineDocument, pipelineMermaid } from '../pipeline-picture.ts';

const config = parseConfig({}, 'defaults');
// The default estate this run synthesized once, as npm run pipeline-diagram draws it.
const stages = pictureStages(estateTemplates('lab'));
const mermaid = pipelineMermaid(stages);

describe('the pipeline picture', () => {
  it('CICD-10: docs/pipeline.md holds the picture the synthesized pipeline draws now (npm run pipeline-diagram)', () => {
    expect(readFileSync(new URL(`../../${PIPELINE_DOC}`, import.meta.url), 'utf8')).toBe(
      pipelineDocument(mermaid),
    );
  });

  it('CICD-10: every wave of the release plan is a stage, its engines boxed in their regions, its check last', () => {
    const waves = releasePlan(config);
    expect(stages.map((s) => s.name)).toEqual(['Source', 'Build', ...waves.map((w) => w.name), 'Standby']);
    for (const wave of waves) {
      for (const { engine, region } of wave.targets) {
        const name = `${engine[0]?.toUpperCase()}${engine.slice(1)}`;
        expect(mermaid).toMatch(
          new RegExp(`subgraph \\w+ \\["${region}"\\]\\n {6}\\w+\\["1\\. <b>${name}</b><br/>\\w+"\\]`),
        );
      }
      const stage = stages.find((s) => s.name === wave.name);
      const last = stage?.actions.at(-1);
      expect(last?.name).toBe('Verify');
      expect(last?.runOrder).toBe(Math.max(...(stage?.actions.map((a) => a.runOrder) ?? [])));
    }
  });

  it('CICD-10: the arrow out of each wave names the bake and the alarms that roll it back', () => {
    const waves = releasePlan(config);
    for (const [i, wave] of waves.slice(0, -1).entries()) {
      const alarms = wave.regions.map((r) => `Hello-release-watch-${r}`).join(', ');
      const from = wave.name.replace(/[^A-Za-z0-9_]/g, '_');
      const to = waves[i + 1]?.name.replace(/[^A-Za-z0-9_]/g, '_');
      expect(mermaid).toContain(
        `  ${from} -->|"bake ${config.pipeline.bakeMinutes} min under ${alarms}; rolls back if one fires"| ${to}`,
      );
    }
  });

  it('CICD-8: the last stage is boxed in the recovery account and region, after the last wave bakes', () => {
    const last = releasePlan(config)
      .at(-1)
      ?.name.replace(/[^A-Za-z0-9_]/g, '_');
    expect(mermaid).toContain(`  ${last} -->|"bake `);
    expect(mermaid).toMatch(
      / {2}subgraph Standby \["<b>Standby<\/b>"\]\n {4}direction TB\n {4}subgraph \w+ \["us-east-2, account 222222222222"\]\n {6}Standby_Release\["1\. <b>Release<\/b><br\/>S3"\]\n {6}Standby_Latest\["2\. <b>Latest<\/b><br\/>S3"\]/,
    );
  });
});
