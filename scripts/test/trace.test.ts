import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSection, parseCatalogue, parseClaims, type Requirement } from '../trace/catalogue.ts';
import { renderRun, renderSection } from '../trace/render.ts';
import { readReport } from '../trace/report.ts';
import { findTestSources, type TestCase, testsInSources } from '../trace/source.ts';
import { traceRun, traceSources } from '../trace/trace.ts';
import { main, type RepositoryTrace, traceRepository } from '../trace.ts';

const root = path.resolve(import.meta.dirname, '../..');

// Sample sources are strings given in memory, never files the trace scans: written as real tests here,
// they would count as proofs of the repository's ids.
function idsIn(source: string, more: Record<string, string> = {}): string[][] {
  const tests = testsInSources(new Map([['a/test/sample.test.ts', source], ...Object.entries(more)]));
  return tests.map((test) => [...test.ids]);
}

describe('titles read from the syntax tree of the tests', () => {
  it.each([
    [
      'a title with a quote inside',
      `it("SCALE-4: CodeDeploy's hook runs the stop hooks", () => {});`,
      [['SCALE-4']],
    ],
    ['a title in single quotes', `test('SVC-1: answers', () => {});`, [['SVC-1']]],
    ['a template literal without substitutions', 'it(`SVC-1: answers`, () => {});', [['SVC-1']]],
    [
      'a template literal whose substitutions follow the ids',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the sample source holds a template literal.
      'it(`SVC-3: stores ${kind}`, () => {});',
      [['SVC-3']],
    ],
    [
      'several ids joined by a comma',
      `it('DNS-1, DNS-2: weighted and checked', () => {});`,
      [['DNS-1', 'DNS-2']],
    ],
    ['several ids joined by a slash', `it('SCALE-2/SCALE-3: scales', () => {});`, [['SCALE-2', 'SCALE-3']]],
    [
      'an it.each title, one test in the source',
      `it.each(['a', 'b'])('SVC-2: %s is refused', () => {});`,
      [['SVC-2']],
    ],
    ['a modified it.each title', `it.concurrent.each([[1]])('FN-2: %d', () => {});`, [['FN-2']]],
    ['a conditional test', `it.skipIf(process.env.X)('SVC-9: runs', () => {});`, [['SVC-9']]],
    [
      'ids given by the rows of a table',
      `const CASES = [{ name: 'GOV-1: tagged' }, { name: 'GOV-2: encrypted' }] as const;
       describe.each(CASES)('$name', () => { it('holds', () => {}); });`,
      [['GOV-1'], ['GOV-2']],
    ],
    [
      'ids given by printf rows',
      `it.each([['CICD-6', '5xx'], ['CICD-7', 'failures']])('%s: %s roll back', () => {});`,
      [['CICD-6'], ['CICD-7']],
    ],
    [
      'a describe title applies to every test inside it',
      `describe('EB-2: option precedence', () => { it('a', () => {}); describe('inner', () => { it('b', () => {}); }); });`,
      [['EB-2'], ['EB-2']],
    ],
    [
      'a test inside a function of a shared suite',
      `export function suite() { it('SVC-3: round-trips', () => {}); }`,
      [['SVC-3']],
    ],
    [
      'a string literal that is not a test title',
      `const id = 'SVC-1: not a test'; expect(body).toBe('SVC-3: plain text'); register('SVC-4: x', () => {});`,
      [],
    ],
    ['a title that names an id after its start', `it('keeps SVC-1: in the middle', () => {});`, [[]]],
    ['an id without its colon', `it('SVC-1 answers', () => {});`, [[]]],
  ])('%s', (_, source, expected) => {
    expect(idsIn(source)).toEqual(expected);
  });

  it('reads the rows of a table imported from a shared support module', () => {
    const checks = `export const named = { name: 'GOV-3: no administrator' };
      export const CHECKS = [named, { name: 'SCALE-7: closed' }];`;
    const source = `import { CHECKS } from './support/checks.ts';
      describe.each(CHECKS)('$name', () => { it.each(['lab', 'production'])('holds in %s', () => {}); });`;
    expect(idsIn(source, { 'a/test/support/checks.ts': checks })).toEqual([['GOV-3'], ['SCALE-7']]);
  });

  it('marks tests written .skip or .todo, or inside a skipped describe, as never run', () => {
    const tests = testsInSources(
      new Map([
        [
          'a/test/skip.test.ts',
          `it.skip('SVC-1: a', () => {}); it.todo('SVC-1: b'); describe.skip('x', () => { it('SVC-1: c', () => {}); });
           it.only('SVC-1: d', () => {});`,
        ],
      ]),
    );
    expect(tests.map((test) => [test.titles.at(-1), test.skipped])).toEqual([
      ['SVC-1: a', true],
      ['SVC-1: b', true],
      ['SVC-1: c', true],
      ['SVC-1: d', false],
    ]);
    const written = traceSources([{ id: 'SVC-1', text: '', partial: undefined, exam: [] }], tests).entries[0];
    expect(written?.tests.map((test) => test.titles.at(-1))).toEqual(['SVC-1: d']);
  });

  it('scans *.test.ts and shared suites under test and support folders, never fixtures', () => {
    const tree = mkdtempSync(path.join(tmpdir(), 'trace-tree-'));
    const files = [
      'a/x.test.ts',
      'a/test/store/contract.ts',
      'b/support/checks.ts',
      'b/test/fixtures/sample.ts',
      'b/src/app.ts',
      'node_modules/m/test/y.test.ts',
      'b/test/notes.md',
    ];
    for (const file of files) {
      mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
      writeFileSync(path.join(tree, file), '');
    }
    try {
      expect(findTestSources(tree)).toEqual([
        'a/test/store/contract.ts',
        'a/x.test.ts',
        'b/support/checks.ts',
      ]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('the catalogue', () => {
  const markdown = [
    '## SVC',
    '- **SVC-1** one',
    '  that goes on.',
    '  *Partial:* the second half',
    '  is missing.',
    '  *Exam:* 1.4, 3.2',
    '- **SVC-2** two',
    '  *Exam:* 1.2',
    '  *Partial:* none',
    'Not an entry: *Partial:* nothing',
    '- SVC-3 not an entry',
    '<!-- trace:begin -->',
    '**SVC-1** partial (1 test)',
    '- **SVC-9** a line of the generated section is not an entry',
    '**SVC-2** no test',
    '<!-- trace:end -->',
  ].join('\n');

  it('reads the ids in order with what is missing from a partial one and their exam tags, outside the generated section', () => {
    expect(parseCatalogue(markdown)).toEqual([
      {
        id: 'SVC-1',
        text: 'one that goes on.',
        partial: 'the second half is missing.',
        exam: ['1.4', '3.2'],
      },
      { id: 'SVC-2', text: 'two', partial: 'none', exam: ['1.2'] },
    ]);
  });

  it('reads what the generated section claims of each id', () => {
    expect(parseClaims(generatedSection(markdown) ?? '')).toEqual(
      new Map([
        ['SVC-1', 'partial'],
        ['SVC-2', 'no test'],
      ]),
    );
  });
});

const CATALOGUE: readonly Requirement[] = [
  { id: 'SVC-1', text: '', partial: undefined, exam: [] },
  { id: 'ECS-1', text: '', partial: 'nothing pushes to the repository yet', exam: [] },
  { id: 'GOV-1', text: '', partial: undefined, exam: [] },
];
const HAS_TESTS = new Map([
  ['SVC-1', 'has tests'],
  ['ECS-1', 'partial'],
  ['GOV-1', 'has tests'],
] as const);

function reported(tests: { ancestorTitles?: string[]; title: string; status: string }[]): unknown {
  const assertionResults = tests.map((test) => ({ ancestorTitles: [], fullName: test.title, ...test }));
  return { testResults: [{ name: path.join(root, 'a/test/x.test.ts'), assertionResults }] };
}

describe('a run proves an id only through tests that passed', () => {
  it.each(['failed', 'skipped', 'todo', 'pending'])('a %s test proves nothing', (status) => {
    const run = readReport(reported([{ title: 'SVC-1: answers', status }]), root);
    const result = traceRun(CATALOGUE, HAS_TESTS, run);
    expect(result.entries[0]).toMatchObject({ id: 'SVC-1', status: 'unproven', passed: [] });
    expect(result.broken.map((entry) => entry.id)).toContain('SVC-1');
  });

  it('a passing test proves the ids of its title and of the describes around it, quoted by $name or not', () => {
    const run = readReport(
      reported([
        { title: 'SVC-1: answers', status: 'passed' },
        {
          ancestorTitles: ["'GOV-1: every taggable resource carrie…'"],
          title: 'holds in lab',
          status: 'passed',
        },
      ]),
      root,
    );
    const result = traceRun(CATALOGUE, HAS_TESTS, run);
    expect(result.entries.map((entry) => [entry.id, entry.status])).toEqual([
      ['SVC-1', 'proven'],
      ['ECS-1', 'unproven'],
      ['GOV-1', 'proven'],
    ]);
    expect(run[0]?.file).toBe('a/test/x.test.ts');
  });

  it('an id marked partial prints as partial with its missing part', () => {
    const run = readReport(reported([{ title: 'ECS-1: scans on push', status: 'passed' }]), root);
    const result = traceRun(CATALOGUE, HAS_TESTS, run);
    expect(result.entries[1]).toMatchObject({ id: 'ECS-1', status: 'partial' });
    expect(renderRun(result, [])).toMatch(
      /^ECS-1 +partial +1 passing test\n +missing: nothing pushes to the repository yet$/m,
    );
  });

  it('an id the catalogue lists as tested fails the run without a passing test; one listed as untested does not', () => {
    const run = readReport(reported([{ title: 'SVC-1: answers', status: 'passed' }]), root);
    const claims = new Map([...HAS_TESTS, ['GOV-1', 'no test'] as const]);
    expect(traceRun(CATALOGUE, claims, run).broken.map((entry) => entry.id)).toEqual(['ECS-1']);
  });

  it('a test that names an id the catalogue does not know is reported', () => {
    const run = readReport(reported([{ title: 'SVX-1: a typo', status: 'passed' }]), root);
    expect(traceRun(CATALOGUE, HAS_TESTS, run).unknown.map((test) => test.ids)).toEqual([['SVX-1']]);
  });
});

describe('the repository', () => {
  let repository: RepositoryTrace;
  let dir: string;
  beforeAll(() => {
    repository = traceRepository(root);
    dir = mkdtempSync(path.join(tmpdir(), 'trace-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A report as vitest would write it if every test written in the sources ran with `status`.
  function reportOfEveryTest(status: (test: TestCase) => string): string {
    const byFile = new Map<string, TestCase[]>();
    for (const test of new Set(repository.sources.entries.flatMap((entry) => entry.tests))) {
      byFile.set(test.file, [...(byFile.get(test.file) ?? []), test]);
    }
    const testResults = [...byFile].map(([file, tests]) => ({
      name: path.join(root, file),
      assertionResults: tests.map((test) => ({
        ancestorTitles: test.titles.slice(0, -1),
        title: test.titles.at(-1),
        status: status(test),
      })),
    }));
    const file = path.join(dir, `${testResults.length}-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ testResults }));
    return file;
  }

  it('the catalogue has the 72 distinct ids of the founding requirements', () => {
    const ids = repository.catalogue.map((requirement) => requirement.id);
    expect(new Set(ids).size).toBe(72);
    expect(ids).toHaveLength(72);
  });

  it('no test names an id the catalogue does not know', () => {
    expect(repository.sources.unknown.map((test) => `${test.file}:${test.line}`)).toEqual([]);
  });

  it('the generated section of docs/requirements.md is what the sources give (npm run trace -- --write)', () => {
    expect(generatedSection(repository.markdown)).toBe(renderSection(repository.sources));
  });

  it('a run in which every written test passes satisfies the catalogue, and exits 0', () => {
    const outcome = main(['--report', reportOfEveryTest(() => 'passed')], root);
    expect(outcome.output).not.toMatch(/is listed as/);
    expect(outcome.code).toBe(0);
  });

  it('exits 1 naming an id listed as tested whose every test failed', () => {
    const target = repository.sources.entries.find((entry) => entry.claim === 'has tests');
    const failing = reportOfEveryTest((test) => (test.ids.includes(target?.id ?? '') ? 'failed' : 'passed'));
    const outcome = main(['--report', failing], root);
    expect(outcome.output).toContain(`${target?.id} is listed as "has tests" in docs/requirements.md`);
    expect(outcome.code).toBe(1);
  });

  it('exits 2 on an unreadable report or an unknown option', () => {
    expect(main(['--report', path.join(dir, 'absent.json')], root).code).toBe(2);
    expect(main(['--reprot', 'x'], root).code).toBe(2);
  });
});
