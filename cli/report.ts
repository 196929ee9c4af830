// npm run report [-- --write] [--json]: the DR posture of both profiles (OPS-3), computed from the synthesized
// templates, with the last drill of each scenario from docs/drills.jsonl; --write also puts it in
// docs/dr-report.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILE_NAMES, PROFILES } from '../infra/config/index.ts';
import {
  DR_REPORT_DOC,
  type DrillRow,
  drillRows,
  drReportDocument,
  formatDrillTable,
  formatPostureTable,
  type PostureRow,
  posture,
} from './dr-posture.ts';
import { DRILL_LOG, lastDrills, readDrills } from './drill/log.ts';
import { synthesizeTemplates } from './estate-templates.ts';
import { defineCommand, isMain, type RunContext } from './lib/usage.ts';

export const REPORT = defineCommand({
  name: 'report',
  summary:
    'The DR posture of both profiles (OPS-3): RPO, RTO and the designed recovery steps per failure scenario, computed from the synthesized templates, and the last drill of each scenario.',
  options: { write: { type: 'boolean', description: `also write it to ${DR_REPORT_DOC}` } },
  examples: ['', '--write', '--json'],
  json: true,
  settings: ({ values }) => ({ write: values.write }),
});

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

function main(settings: { write: boolean }, context: RunContext): number {
  let drills: ReturnType<typeof lastDrills>;
  try {
    drills = lastDrills(readDrills(root(DRILL_LOG)));
  } catch (error) {
    console.error(`The drill log cannot be read: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const profiles: { profile: string; rows: PostureRow[]; drills: DrillRow[] }[] = [];
  for (const profile of PROFILE_NAMES) {
    context.progress.step(`synthesizing profile ${profile}`);
    try {
      const rows = posture(synthesizeTemplates(profile));
      profiles.push({ profile, rows, drills: drillRows(rows, drills, PROFILES[profile]) });
    } catch (error) {
      console.error(
        `Synthesis of profile ${profile} failed: ${error instanceof Error ? error.message : error}`,
      );
      context.progress.done('failed');
      return 1;
    }
  }
  context.progress.done();
  context.result(
    profiles,
    profiles
      .map(
        ({ profile, rows, drills }) =>
          `profile ${profile}\n\n${formatPostureTable(rows)}\n\nlast drills\n\n${formatDrillTable(drills)}\n`,
      )
      .join('\n'),
  );
  if (settings.write) {
    writeFileSync(root(DR_REPORT_DOC), drReportDocument(profiles));
    context.say(`wrote ${DR_REPORT_DOC}`);
  }
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await REPORT.run(process.argv.slice(2), main);
