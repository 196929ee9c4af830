// npm run report [-- --write] [--json]: the DR posture of both profiles (OPS-3), computed from the synthesized
// templates; --write also puts it in docs/dr-report.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILE_NAMES } from '../infra/config/index.ts';
import {
  DR_REPORT_DOC,
  drReportDocument,
  formatPostureTable,
  type PostureRow,
  posture,
} from './dr-posture.ts';
import { synthesizeTemplates } from './estate-templates.ts';
import { defineCommand, isMain, type RunContext } from './lib/usage.ts';

export const REPORT = defineCommand({
  name: 'report',
  summary:
    'The DR posture of both profiles (OPS-3): RPO and RTO per failure scenario, computed from the synthesized templates.',
  options: { write: { type: 'boolean', description: `also write it to ${DR_REPORT_DOC}` } },
  examples: ['', '--write', '--json'],
  json: true,
  settings: ({ values }) => ({ write: values.write }),
});

function main(settings: { write: boolean }, context: RunContext): number {
  const profiles: { profile: string; rows: PostureRow[] }[] = [];
  for (const profile of PROFILE_NAMES) {
    context.progress.step(`synthesizing profile ${profile}`);
    try {
      profiles.push({ profile, rows: posture(synthesizeTemplates(profile)) });
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
    profiles.map(({ profile, rows }) => `profile ${profile}\n\n${formatPostureTable(rows)}\n`).join('\n'),
  );
  if (settings.write) {
    writeFileSync(fileURLToPath(new URL(`../${DR_REPORT_DOC}`, import.meta.url)), drReportDocument(profiles));
    context.say(`wrote ${DR_REPORT_DOC}`);
  }
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await REPORT.run(process.argv.slice(2), main);
