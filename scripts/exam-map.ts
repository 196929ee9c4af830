/**
 * docs/exam-map.md: every task statement of the DOP-C02 exam guide with the requirement ids that show it,
 * generated from the *Exam:* tags of docs/requirements.md and the tests written for each id.
 *
 *   npm run exam-map     write the map; exit 1 (writing nothing) when an id has no tag or a tag names no
 *                        task statement of the guide
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAM_MAP_DOC, examTagProblems, renderExamMap } from './trace/exam-map.ts';
import { traceRepository } from './trace.ts';

/** The map of the repository at `root`, or the problems of its tags. */
export function examMap(root: string): { readonly map: string } | { readonly problems: readonly string[] } {
  const { catalogue, sources } = traceRepository(root);
  const problems = examTagProblems(catalogue);
  if (problems.length > 0) return { problems };
  return { map: renderExamMap(catalogue, sources, (file) => existsSync(path.join(root, file))) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const result = examMap(root);
  if ('problems' in result) {
    console.error(result.problems.join('\n'));
    process.exitCode = 1;
  } else {
    writeFileSync(path.join(root, EXAM_MAP_DOC), result.map);
    console.log(`wrote ${EXAM_MAP_DOC}`);
  }
}
