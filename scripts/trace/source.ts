import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { idsOf } from './ids.ts';
import { ConstantEvaluator, formatTitle, type SourceLoader } from './values.ts';

/** One test as written in the source, with the describe titles around it. */
export interface TestCase {
  /** Path relative to the repository root, with `/`. */
  readonly file: string;
  /** Line of the test's title. */
  readonly line: number;
  /** The titles of the describes around the test, outermost first, then its own. */
  readonly titles: readonly string[];
  /** The ids the test or a describe around it starts with. */
  readonly ids: readonly string[];
  /** Written with `.skip` or `.todo`, on itself or on a describe around it: never run. */
  readonly skipped: boolean;
}

const SUITES = new Set(['describe', 'suite']);
const TESTS = new Set(['it', 'test']);
const SKIPPING = new Set(['skip', 'todo']);
const RUNNING = new Set(['only', 'concurrent', 'sequential', 'shuffle']);
const CONDITIONS = new Set(['skipIf', 'runIf']);
const TABLES = new Set(['each', 'for']);
// Folders that hold no test of the project: sample sources in fixtures must never count as proofs.
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'cdk.out', 'coverage', 'fixtures']);

interface Registration {
  readonly kind: 'suite' | 'test';
  readonly skipped: boolean;
  readonly table: ts.Expression | undefined;
}

interface Suite {
  readonly title: string;
  readonly skipped: boolean;
}

/**
 * Reads `callee` of a call as a vitest registration: `it`, `test`, `describe` or `suite`, with any of
 * `.skip .todo .only .concurrent .sequential .shuffle`, `.skipIf(c)`/`.runIf(c)` and `.each(table)`/
 * `.for(table)`. Undefined for anything else, including `it.each(table)` itself (which returns the
 * function that registers).
 */
function registration(callee: ts.Expression): Registration | undefined {
  let skipped = false;
  let table: ts.Expression | undefined;
  let node = callee;
  for (;;) {
    if (ts.isIdentifier(node)) {
      if (SUITES.has(node.text)) return { kind: 'suite', skipped, table };
      if (TESTS.has(node.text)) return { kind: 'test', skipped, table };
      return undefined;
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const name = node.expression.name.text;
      if (TABLES.has(name)) table = node.arguments[0];
      else if (!CONDITIONS.has(name)) return undefined;
      node = node.expression.expression;
    } else if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (SKIPPING.has(name)) skipped = true;
      else if (!RUNNING.has(name)) return undefined;
      node = node.expression;
    } else {
      return undefined;
    }
  }
}

/** A title as the source writes it; substitutions the tree cannot evaluate stay as `${…}`. */
function titleText(node: ts.Expression, evaluator: ConstantEvaluator): string | undefined {
  const value = evaluator.evaluate(node);
  if (typeof value === 'string') return value;
  if (!ts.isTemplateExpression(node)) return undefined;
  return (
    node.head.text +
    node.templateSpans.map((span) => `\${${span.expression.getText()}}${span.literal.text}`).join('')
  );
}

/**
 * The titles one registration stands for. A table is expanded only where its rows give the title ids
 * (`'$name'` of rows named `'GOV-1: …'`); otherwise the template is one test in the source, whatever the
 * number of rows.
 */
function titlesOf(
  template: string,
  table: ts.Expression | undefined,
  evaluator: ConstantEvaluator,
): string[] {
  if (table === undefined || !/^[%$]/.test(template)) return [template];
  const rows = evaluator.evaluate(table);
  if (!Array.isArray(rows)) return [template];
  const titles = rows.map((row, index) => formatTitle(template, row, index));
  return titles.some((title) => idsOf(title).length > 0) ? titles : [template];
}

/** Every test the syntax tree of `source` registers, with the ids it and its describes carry. */
export function testsIn(source: ts.SourceFile, evaluator: ConstantEvaluator): TestCase[] {
  const found: TestCase[] = [];
  const suites: Suite[] = [];
  const visit = (node: ts.Node): void => {
    const call = ts.isCallExpression(node) ? node : undefined;
    const registered = call ? registration(call.expression) : undefined;
    const titleNode = call?.arguments[0];
    const template = titleNode ? titleText(titleNode, evaluator) : undefined;
    if (call === undefined || registered === undefined || titleNode === undefined || template === undefined) {
      ts.forEachChild(node, visit);
      return;
    }
    const line = source.getLineAndCharacterOfPosition(titleNode.getStart(source)).line + 1;
    const skipped = registered.skipped || suites.some((suite) => suite.skipped);
    for (const title of titlesOf(template, registered.table, evaluator)) {
      if (registered.kind === 'test') {
        const titles = [...suites.map((suite) => suite.title), title];
        const ids = [...new Set(titles.flatMap(idsOf))];
        found.push({ file: source.fileName, line, titles, ids, skipped });
      } else {
        suites.push({ title, skipped });
        for (const argument of call.arguments.slice(1)) visit(argument);
        suites.pop();
      }
    }
  };
  visit(source);
  return found;
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Parses sources given by name, for titles and for the constants their tables import. */
export function testsInSources(sources: ReadonlyMap<string, string>): TestCase[] {
  const parsed = new Map([...sources].map(([file, text]) => [file, parse(file, text)]));
  const evaluator = new ConstantEvaluator((file) => parsed.get(file));
  return [...parsed.values()].flatMap((source) => testsIn(source, evaluator));
}

/**
 * TypeScript files that may register tests: `*.test.ts` anywhere, and any `.ts` under a `test` or
 * `support` folder (shared suites such as a store contract called from several test files).
 */
export function findTestSources(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(relative);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const folders = relative.split('/').slice(0, -1);
        if (entry.name.endsWith('.test.ts') || folders.includes('test') || folders.includes('support')) {
          found.push(relative);
        }
      }
    }
  };
  walk('');
  return found.sort();
}

/** Every test of the repository at `root`, read from the syntax trees of its test sources. */
export function scanTests(root: string): TestCase[] {
  const cache = new Map<string, ts.SourceFile | undefined>();
  const load: SourceLoader = (file) => {
    if (!cache.has(file)) {
      const absolute = path.join(root, file);
      cache.set(
        file,
        existsSync(absolute) && statSync(absolute).isFile()
          ? parse(file, readFileSync(absolute, 'utf8'))
          : undefined,
      );
    }
    return cache.get(file);
  };
  const evaluator = new ConstantEvaluator(load);
  return findTestSources(root).flatMap((file) => {
    const source = load(file);
    return source ? testsIn(source, evaluator) : [];
  });
}
