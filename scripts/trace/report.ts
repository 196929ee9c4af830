import path from 'node:path';
import { z } from 'zod';
import { idsOf } from './ids.ts';

/** One test as a run reported it. */
export interface RunTest {
  /** The test file that ran it (where a shared suite was called from), relative to the root. */
  readonly file: string;
  /** The describe titles around the test as run (tables expanded), outermost first, then its own. */
  readonly titles: readonly string[];
  /** The ids the test or a describe around it starts with. */
  readonly ids: readonly string[];
  /** vitest's verdict: `passed`, `failed`, `skipped`, `pending`, `todo` or `disabled`. */
  readonly status: string;
}

// The part of vitest's JSON report (`--reporter=json --outputFile=…`, Jest's format) the trace reads.
const VitestReport = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      assertionResults: z.array(
        z.object({ ancestorTitles: z.array(z.string()), title: z.string(), status: z.string() }),
      ),
    }),
  ),
});

/** Every test of a vitest JSON report, each with the ids its titles carry. */
export function readReport(json: unknown, root: string): RunTest[] {
  const report = VitestReport.parse(json);
  return report.testResults.flatMap((file) => {
    const relative = path.relative(root, file.name);
    const name = relative.startsWith('..') || path.isAbsolute(relative) ? file.name : relative;
    return file.assertionResults.map((test) => {
      const titles = [...test.ancestorTitles, test.title];
      return {
        file: name.split(path.sep).join('/'),
        titles,
        ids: [...new Set(titles.flatMap(idsOf))],
        status: test.status,
      };
    });
  });
}
