/**
 * Requirement traceability: which tests prove which requirement id.
 *
 * A test proves an id by starting its name with it (`it('SVC-3: rejects …')`, or several ids:
 * `'SVC-3, SVC-9: …'`). The catalogue is docs/requirements.md. Prints every id with the tests that
 * carry it, then the ids no test proves; exits 1 when a test names an id the catalogue does not know
 * (a typo would otherwise prove nothing silently).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestTitle {
  readonly ids: readonly string[];
  readonly title: string;
  readonly file: string;
  readonly line: number;
}

export interface Trace {
  readonly catalogue: readonly string[];
  readonly proofs: ReadonlyMap<string, readonly TestTitle[]>;
  readonly unproven: readonly string[];
  readonly unknown: readonly TestTitle[];
}

const ID = String.raw`[A-Z]{2,5}-\d+`;
const CATALOGUE_ENTRY = new RegExp(String.raw`^- \*\*(${ID})\*\*`, 'gm');
// A string literal that opens with one or more ids and a colon: only test names are written that way.
const TITLE = new RegExp(String.raw`(['"\x60])((?:${ID})(?:\s*[,&/]\s*${ID})*):([^'"\x60\n]*)\1`, 'g');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'cdk.out', '.git', 'coverage']);

export function parseCatalogue(markdown: string): string[] {
  return [...markdown.matchAll(CATALOGUE_ENTRY)].map((match) => match[1] as string);
}

export function extractTitles(source: string, file: string): TestTitle[] {
  return [...source.matchAll(TITLE)].map((match) => {
    const ids = (match[2] as string).split(/\s*[,&/]\s*/);
    const line = source.slice(0, match.index).split('\n').length;
    return { ids, title: `${match[2]}:${match[3]}`, file, line };
  });
}

export function findTestFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path.join(dir, entry.name));
      } else if (entry.name.endsWith('.test.ts')) {
        found.push(path.relative(root, path.join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return found.sort();
}

export function trace(catalogue: readonly string[], titles: readonly TestTitle[]): Trace {
  const known = new Set(catalogue);
  const proofs = new Map<string, TestTitle[]>(catalogue.map((id) => [id, []]));
  const unknown: TestTitle[] = [];
  for (const title of titles) {
    for (const id of title.ids) {
      const list = proofs.get(id);
      if (list) list.push(title);
      else if (!known.has(id)) unknown.push(title);
    }
  }
  const unproven = catalogue.filter((id) => proofs.get(id)?.length === 0);
  return { catalogue, proofs, unproven, unknown };
}

export function traceRepository(root: string): Trace {
  const catalogue = parseCatalogue(readFileSync(path.join(root, 'docs/requirements.md'), 'utf8'));
  const titles = findTestFiles(root).flatMap((file) =>
    extractTitles(readFileSync(path.join(root, file), 'utf8'), file),
  );
  return trace(catalogue, titles);
}

function report(result: Trace): string {
  const lines: string[] = [];
  for (const id of result.catalogue) {
    const tests = result.proofs.get(id) ?? [];
    lines.push(`${id.padEnd(8)} ${tests.length === 0 ? '-- no test --' : `${tests.length} test(s)`}`);
    for (const test of tests) lines.push(`         ${test.file}:${test.line}  ${test.title}`);
  }
  const proven = result.catalogue.length - result.unproven.length;
  lines.push('', `${proven} of ${result.catalogue.length} requirement ids are proven by at least one test.`);
  if (result.unproven.length > 0) lines.push(`Not yet proven: ${result.unproven.join(' ')}`);
  for (const test of result.unknown) {
    lines.push(`Unknown id in ${test.file}:${test.line}: "${test.title}" (not in docs/requirements.md)`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const result = traceRepository(root);
  console.log(report(result));
  if (result.unknown.length > 0) process.exitCode = 1;
}
