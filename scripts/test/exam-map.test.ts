import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { examMap } from '../exam-map.ts';
import { parseCatalogue } from '../trace/catalogue.ts';
import { EXAM_DOMAINS, TASK_STATEMENTS } from '../trace/exam-guide.ts';
import { EXAM_MAP_DOC, EXERCISES_DOC, examTagProblems, renderExamMap, sourcesOf } from '../trace/exam-map.ts';
import { traceSources } from '../trace/trace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const exists = (file: string) => existsSync(path.join(root, file));

describe('the exam guide', () => {
  it('has the six domains of DOP-C02, their nineteen task statements numbered in order, weights summing to 100', () => {
    expect(EXAM_DOMAINS.map((domain) => domain.title)).toEqual([
      'SDLC Automation',
      'Configuration Management and IaC',
      'Resilient Cloud Solutions',
      'Monitoring and Logging',
      'Incident and Event Response',
      'Security and Compliance',
    ]);
    for (const domain of EXAM_DOMAINS) {
      expect(domain.tasks.map((task) => task.id)).toEqual(
        domain.tasks.map((_, i) => `${domain.number}.${i + 1}`),
      );
    }
    expect(TASK_STATEMENTS.size).toBe(19);
    expect(EXAM_DOMAINS.reduce((sum, domain) => sum + domain.weight, 0)).toBe(100);
  });
});

describe('exam tags', () => {
  const catalogue = parseCatalogue(
    [
      '- **SVC-1** tagged',
      '  *Exam:* 1.4',
      '- **SVC-2** untagged',
      '- **SVC-3** tagged with a statement the guide does not have',
      '  *Exam:* 3.2, 7.1',
    ].join('\n'),
  );

  it('an id without a tag and a tag that names no task statement of the guide are problems', () => {
    expect(examTagProblems(catalogue)).toEqual([
      'SVC-2 has no *Exam:* tag (the DOP-C02 task statements it shows)',
      'SVC-3 is tagged 7.1, which is no task statement of the DOP-C02 guide',
    ]);
  });

  it('every id of docs/requirements.md names at least one task statement, and only statements of the guide', () => {
    expect(examTagProblems(parseCatalogue(read('docs/requirements.md')))).toEqual([]);
  });

  it('a task statement no id shows is listed as not touched, with what would cover it', () => {
    const map = renderExamMap(catalogue, traceSources(catalogue, []), () => false);
    const task = TASK_STATEMENTS.get('6.3');
    expect(map).toContain(
      `### 6.3 ${task?.title}\n\nThe estate does not touch this task statement. What would cover it: ${task?.outside}.`,
    );
    expect(map).toMatch(/^\| 1 \| \[1\.4 [^|]*\| 0 of 1 \| SVC-1 \|$/m);
    expect(map).toMatch(/^- \*\*SVC-1\*\* \(not built yet\) tagged$/m);
  });

  it('an id tested in the sources is shown as built, with the code its tests mirror, its operator command and the command that runs its tests', () => {
    const tests = [
      {
        file: 'infra/test/lib/x/y.test.ts',
        line: 3,
        titles: ['SVC-1: holds'],
        ids: ['SVC-1'],
        skipped: false,
      },
    ];
    const map = renderExamMap(
      catalogue,
      traceSources(catalogue, tests),
      (file) => file === 'infra/lib/x/y.ts',
    );
    expect(map).toContain(
      [
        '- **SVC-1** (built, with tests) tagged',
        '  - code: `infra/lib/x/y.ts`',
        '  - see it: `npm start`, then `curl localhost:8080/`',
        '  - proven by: `npx vitest run infra/test/lib/x/y.test.ts`',
      ].join('\n'),
    );
  });
});

describe('where an id lives: tests mirror the source tree', () => {
  it.each([
    ['infra/test/lib/stacks/fleet-stack.test.ts', 'infra/lib/stacks/fleet-stack.ts'],
    ['service/test/app.test.ts', 'service/src/app.ts'],
    ['infra/test/estate.test.ts', 'infra/bin/estate.ts'],
    ['infra/test/functions/pre-traffic-hook.test.ts', 'infra/functions/pre-traffic-hook/'],
    ['cli/test/teardown/plan.test.ts', 'cli/teardown/plan.ts'],
    ['scripts/test/trace.test.ts', 'scripts/trace.ts'],
    ['infra/test/guardrails.test.ts', undefined],
  ])('%s tests %s', (test, source) => {
    expect(sourcesOf(test, exists)).toBe(source);
  });
});

describe(`${EXAM_MAP_DOC} and ${EXERCISES_DOC}`, () => {
  let generated: ReturnType<typeof examMap>;
  beforeAll(() => {
    generated = examMap(root);
  });
  const scripts = new Set(Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>));

  it(`${EXAM_MAP_DOC} is what the catalogue and the tests give (npm run exam-map)`, () => {
    expect('map' in generated && generated.map).toBe(read(EXAM_MAP_DOC));
  });

  it.each([EXAM_MAP_DOC, EXERCISES_DOC])('every file, folder and npm command %s names exists', (doc) => {
    const text = read(doc);
    const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] as string);
    const missing: string[] = [];
    let files = 0;
    let commands = 0;
    for (const span of spans) {
      const npm = /^npm (?:run ([\w:-]+)|(start|test))\b/.exec(span);
      if (npm) {
        commands++;
        if (!scripts.has((npm[1] ?? npm[2]) as string)) missing.push(span);
      }
      const named = span.startsWith('npx vitest run ') ? span.split(' ').slice(3) : [span];
      for (const file of named.filter((word) =>
        /^(service|infra|cli|scripts|deploy|docs|bench|testing|edge)\//.test(word),
      )) {
        files++;
        if (!exists(file)) missing.push(file);
      }
    }
    expect(files).toBeGreaterThan(0);
    expect(commands).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
