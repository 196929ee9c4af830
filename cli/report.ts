// npm run report [-- --write]: the DR posture of both profiles (OPS-3), computed from the synthesized
// templates; --write also puts it in docs/dr-report.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROFILE_NAMES } from '../infra/config/index.ts';
import {
  DR_REPORT_DOC,
  drReportDocument,
  formatPostureTable,
  type PostureRow,
  posture,
} from './dr-posture.ts';
import { synthesizeTemplates } from './estate-templates.ts';

function main(argv: readonly string[]): number {
  const profiles: { profile: string; rows: PostureRow[] }[] = [];
  for (const profile of PROFILE_NAMES) {
    try {
      profiles.push({ profile, rows: posture(synthesizeTemplates(profile)) });
    } catch (error) {
      console.error(
        `Synthesis of profile ${profile} failed: ${error instanceof Error ? error.message : error}`,
      );
      return 1;
    }
  }
  for (const { profile, rows } of profiles)
    console.log(`profile ${profile}\n\n${formatPostureTable(rows)}\n`);
  if (argv.includes('--write')) {
    writeFileSync(fileURLToPath(new URL(`../${DR_REPORT_DOC}`, import.meta.url)), drReportDocument(profiles));
    console.log(`wrote ${DR_REPORT_DOC}`);
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
