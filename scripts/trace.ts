/**
 * Requirement traceability: which tests prove which requirement id of docs/requirements.md.
 *
 * A test carries an id when its title, or the title of a describe around it, starts with it
 * (`it('SVC-3: rejects …')`, `'DNS-1, DNS-2: …'`). Titles are read from the syntax trees of the test
 * sources (any quote, `.each` tables, shared suites under test and support folders); only a run's
 * JSON report tells which of them passed, so only `--report` says an id is proven.
 *
 *   npm run trace                      per id, the tests written for it (no run to check); exit 1 on an unknown id
 *   npm run trace -- --report FILE     per id, proven / partial / unproven by the tests that passed in the run
 *                                      of FILE (vitest --reporter=json --outputFile=FILE); exit 1 on an unknown
 *                                      id or on an id the catalogue lists as tested that no passing test proves
 *   npm run trace -- --write           regenerate the catalogue's generated section from the sources
 *
 * Exit 2: bad arguments, an unreadable report, or a catalogue without its generated section.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  generatedSection,
  parseCatalogue,
  parseClaims,
  type Requirement,
  withSection,
} from './trace/catalogue.ts';
import { renderRun, renderSection, renderSources } from './trace/render.ts';
import { readReport } from './trace/report.ts';
import { scanTests } from './trace/source.ts';
import { type SourceTrace, traceRun, traceSources } from './trace/trace.ts';

const CATALOGUE = 'docs/requirements.md';

export interface RepositoryTrace {
  readonly markdown: string;
  readonly catalogue: readonly Requirement[];
  readonly sources: SourceTrace;
}

/** The catalogue of the repository at `root` and the tests its sources write for each id. */
export function traceRepository(root: string): RepositoryTrace {
  const markdown = readFileSync(path.join(root, CATALOGUE), 'utf8');
  const catalogue = parseCatalogue(markdown);
  return { markdown, catalogue, sources: traceSources(catalogue, scanTests(root)) };
}

interface Outcome {
  readonly output: string;
  readonly code: 0 | 1 | 2;
}

function fromReport(repository: RepositoryTrace, file: string, root: string): Outcome {
  const section = generatedSection(repository.markdown);
  if (section === undefined) {
    return { output: `${CATALOGUE} has no generated section: run npm run trace -- --write`, code: 2 };
  }
  let run: ReturnType<typeof readReport>;
  try {
    run = readReport(JSON.parse(readFileSync(file, 'utf8')), root);
  } catch (error) {
    return { output: `cannot read the test report ${file}: ${(error as Error).message}`, code: 2 };
  }
  const result = traceRun(repository.catalogue, parseClaims(section), run);
  const failed = result.unknown.length + result.broken.length + repository.sources.unknown.length > 0;
  return { output: renderRun(result, repository.sources.unknown), code: failed ? 1 : 0 };
}

export function main(args: readonly string[], root: string): Outcome {
  let options: { report?: string | undefined; write?: boolean | undefined };
  try {
    options = parseArgs({
      args: [...args],
      options: { report: { type: 'string' }, write: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    return {
      output: `${(error as Error).message}\nusage: npm run trace [-- --report FILE | --write]`,
      code: 2,
    };
  }
  const repository = traceRepository(root);
  if (options.report !== undefined)
    return fromReport(repository, path.resolve(process.env.INIT_CWD ?? process.cwd(), options.report), root);
  if (options.write) {
    writeFileSync(
      path.join(root, CATALOGUE),
      withSection(repository.markdown, renderSection(repository.sources)),
    );
  }
  return { output: renderSources(repository.sources), code: repository.sources.unknown.length > 0 ? 1 : 0 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const outcome = main(process.argv.slice(2), root);
  console.log(outcome.output);
  process.exitCode = outcome.code;
}
