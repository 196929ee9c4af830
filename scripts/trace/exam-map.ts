import type { Requirement } from './catalogue.ts';
import { EXAM, EXAM_DOMAINS, TASK_STATEMENTS, type TaskStatement } from './exam-guide.ts';
import type { SourceEntry, SourceTrace } from './trace.ts';

export const EXAM_MAP_DOC = 'docs/exam-map.md';
export const EXERCISES_DOC = 'docs/exercises.md';

/**
 * Operator commands that show an id working beside its tests, offline unless marked. Only commands a
 * learner can run as written: every one names a script of package.json (a test holds the map to it).
 */
export const OPERATOR_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  'SVC-1': ['npm start', 'curl localhost:8080/'],
  'SVC-2': ['npm run build'],
  'SVC-3': ['npm start', "curl -X POST localhost:8080/store -H 'content-type: application/json' -d '{}'"],
  'SVC-8': ['npm start', 'curl localhost:8080/info'],
  'SVC-9': ['npm start'],
  'CICD-9': ['npm run bundle:codedeploy'],
  'OPS-2': ['npm start', 'npm run watch -- http://localhost:8080'],
  'OPS-3': ['npm run report'],
  'OPS-4': ['npm run diagram'],
  'OPS-5': ['npm run teardown (without --yes: the plan only)'],
  'OPS-6': ['npm run preflight (on AWS, read-only)'],
  'GOV-6': ['npm run cost', 'npm run teardown (without --yes: the plan only)'],
  'SEC-3': ['npm run synth'],
  'DR-4': ['npm run synth'],
};

/** What is wrong with the catalogue's exam tags: an id without one, a tag that names no task statement. */
export function examTagProblems(catalogue: readonly Requirement[]): string[] {
  return catalogue.flatMap((requirement) => {
    if (requirement.exam.length === 0) {
      return [`${requirement.id} has no *Exam:* tag (the ${EXAM.code} task statements it shows)`];
    }
    return requirement.exam
      .filter((tag) => !TASK_STATEMENTS.has(tag))
      .map(
        (tag) => `${requirement.id} is tagged ${tag}, which is no task statement of the ${EXAM.code} guide`,
      );
  });
}

/**
 * Where an id's code lives, by the rule that tests mirror the source tree: `x/test/y.test.ts` tests
 * `x/y.ts`, `x/src/y.ts` (the service), `x/bin/y.ts` (the CDK app) or the folder `x/y/` (a Lambda's
 * handler). A test without such a source (a whole-estate check) names none.
 */
export function sourcesOf(testFile: string, exists: (file: string) => boolean): string | undefined {
  const match = /^(.*?)\/test\/(.*)\.test\.ts$/.exec(testFile);
  if (match === null) return undefined;
  const [, root, rest] = match;
  const candidates = [
    `${root}/${rest}.ts`,
    `${root}/src/${rest}.ts`,
    `${root}/bin/${rest}.ts`,
    `${root}/${rest}/`,
  ];
  return candidates.find(exists);
}

interface MappedId {
  readonly requirement: Requirement;
  readonly entry: SourceEntry | undefined;
}

function state(entry: SourceEntry | undefined): string {
  if (entry === undefined || entry.claim === 'no test') return 'not built yet';
  if (entry.claim === 'partial') return `partly built: ${entry.partial}`;
  return 'built, with tests';
}

const code = (text: string) => `\`${text}\``;

function idBlock({ requirement, entry }: MappedId, exists: (file: string) => boolean): string[] {
  const files = [...new Set((entry?.tests ?? []).map((test) => test.file))].sort();
  const sources = [...new Set(files.flatMap((file) => sourcesOf(file, exists) ?? []))].sort();
  const lines = [`- **${requirement.id}** (${state(entry)}) ${requirement.text}`];
  if (sources.length > 0) lines.push(`  - code: ${sources.map(code).join(', ')}`);
  const commands = OPERATOR_COMMANDS[requirement.id] ?? [];
  if (commands.length > 0) lines.push(`  - see it: ${commands.map(code).join(', then ')}`);
  if (files.length > 0) lines.push(`  - proven by: ${code(`npx vitest run ${files.join(' ')}`)}`);
  return lines;
}

function taskSection(
  task: TaskStatement,
  ids: readonly MappedId[],
  exists: (file: string) => boolean,
): string[] {
  const lines = [`### ${task.id} ${task.title}`, ''];
  if (ids.length === 0) {
    lines.push(`The estate does not touch this task statement. What would cover it: ${task.outside}.`);
    return lines;
  }
  lines.push(...ids.flatMap((id) => idBlock(id, exists)), '', `*Not shown here:* ${task.outside}.`);
  return lines;
}

const anchor = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');

/** docs/exam-map.md: per domain and task statement, the ids that show it, their code, commands and tests. */
export function renderExamMap(
  catalogue: readonly Requirement[],
  sources: SourceTrace,
  exists: (file: string) => boolean,
): string {
  const entries = new Map(sources.entries.map((entry) => [entry.id, entry]));
  const tagged = (task: TaskStatement): MappedId[] =>
    catalogue
      .filter((requirement) => requirement.exam.includes(task.id))
      .map((requirement) => ({ requirement, entry: entries.get(requirement.id) }));
  const built = (ids: readonly MappedId[]) =>
    ids.filter(({ entry }) => entry !== undefined && entry.claim !== 'no test').length;

  const summary = EXAM_DOMAINS.flatMap((domain) =>
    domain.tasks.map((task) => {
      const ids = tagged(task);
      const link = `[${task.id} ${task.title}](#${anchor(`${task.id} ${task.title}`)})`;
      const list = ids.map(({ requirement }) => requirement.id).join(' ') || 'not touched';
      return `| ${domain.number} | ${link} | ${built(ids)} of ${ids.length} | ${list} |`;
    }),
  );
  const domains = EXAM_DOMAINS.flatMap((domain) => [
    '',
    `## Domain ${domain.number}: ${domain.title} (${domain.weight} % of the scored content)`,
    '',
    `Exercises on a deployed estate: [${EXERCISES_DOC}](exercises.md#domain-${domain.number}-${anchor(domain.title)}).`,
    ...domain.tasks.flatMap((task) => ['', ...taskSection(task, tagged(task), exists)]),
  ]);
  return [
    `# The ${EXAM.code} exam, mapped to the estate`,
    '',
    '<!-- Generated by `npm run exam-map` from the *Exam:* tags of docs/requirements.md and the tests; a test fails when it is stale. -->',
    '',
    `Every task statement of the ${EXAM.name} exam guide (${EXAM.code}, ${EXAM.guide}), with the`,
    'requirement ids of the estate that show it. For each id: whether it is built (it has tests; a partly built',
    'id says what is missing), where its code lives, a command that shows it working offline, and the tests that',
    'prove it. `npm run trace -- --report FILE` says which of those tests passed in a run. What a task statement',
    'asks and the estate does not show is listed under it. The exercises in',
    `[${EXERCISES_DOC}](exercises.md) rehearse each domain on a deployed estate; \`npm run cost\` prices it first.`,
    '',
    '| domain | task statement | built | ids |',
    '|---|---|---|---|',
    ...summary,
    ...domains,
    '',
  ].join('\n');
}
