import { ID } from './ids.ts';

/** One capability of docs/requirements.md. */
export interface Requirement {
  readonly id: string;
  /** What the entry promises, its lines joined, without its partial note and exam tags. */
  readonly text: string;
  /** What is still missing when the entry is marked `*Partial:*`; undefined when it is whole. */
  readonly partial: string | undefined;
  /** The exam task statements the entry shows (`*Exam:* 1.4, 3.2`), as written; empty when untagged. */
  readonly exam: readonly string[];
}

/** What the generated section of the catalogue says of an id. */
export type Claim = 'has tests' | 'partial' | 'no test';

const SECTION_BEGIN = '<!-- trace:begin -->';
const SECTION_END = '<!-- trace:end -->';

const ENTRY = new RegExp(String.raw`^- \*\*(${ID})\*\*\s*(.*)$`);
const PARTIAL = /^ {2}\*Partial:\*\s*(.*)$/;
const EXAM = /^ {2}\*Exam:\*\s*(.*)$/;
const CLAIM = new RegExp(String.raw`^\*\*(${ID})\*\* (has tests|partial|no test)\b`, 'gm');

function bounds(markdown: string): { begin: number; end: number } | undefined {
  const begin = markdown.indexOf(SECTION_BEGIN);
  const end = markdown.indexOf(SECTION_END);
  return begin >= 0 && end > begin ? { begin, end: end + SECTION_END.length } : undefined;
}

/** The text between the markers of the generated section, undefined when the catalogue has none. */
export function generatedSection(markdown: string): string | undefined {
  const found = bounds(markdown);
  return found && markdown.slice(found.begin + SECTION_BEGIN.length, found.end - SECTION_END.length);
}

/** The catalogue with its generated section replaced by `section` (appended when it has none). */
export function withSection(markdown: string, section: string): string {
  const block = `${SECTION_BEGIN}${section}${SECTION_END}`;
  const found = bounds(markdown);
  if (found === undefined) return `${markdown.trimEnd()}\n\n${block}\n`;
  return markdown.slice(0, found.begin) + block + markdown.slice(found.end);
}

/**
 * The entries of the catalogue in order: a line `- **ID** …`, its continuation lines indented by two
 * spaces, among them optionally `  *Partial:* what is missing` (which may itself continue) and
 * `  *Exam:* 1.4, 3.2`, the exam's task statements the entry shows (which ends a partial note). The
 * generated section is not part of the catalogue.
 */
export function parseCatalogue(markdown: string): Requirement[] {
  const found = bounds(markdown);
  const text = found ? markdown.slice(0, found.begin) + markdown.slice(found.end) : markdown;
  const entries: {
    id: string;
    text: string[];
    partial: string[] | undefined;
    exam: string[];
    inPartial: boolean;
  }[] = [];
  let open = false;
  for (const line of text.split('\n')) {
    const entry = ENTRY.exec(line);
    if (entry) {
      entries.push({
        id: entry[1] as string,
        text: [entry[2] as string],
        partial: undefined,
        exam: [],
        inPartial: false,
      });
      open = true;
      continue;
    }
    open = open && line.startsWith('  ');
    const current = entries.at(-1);
    if (!open || current === undefined) continue;
    const partial = PARTIAL.exec(line);
    const exam = EXAM.exec(line);
    if (partial) {
      current.partial = [partial[1] as string];
      current.inPartial = true;
    } else if (exam) {
      current.exam.push(...(exam[1] as string).split(',').flatMap((tag) => tag.trim() || []));
      current.inPartial = false;
    } else if (current.inPartial) {
      current.partial?.push(line.trim());
    } else if (current.partial === undefined && current.exam.length === 0) {
      current.text.push(line.trim());
    }
  }
  return entries.map((entry) => ({
    id: entry.id,
    text: entry.text.join(' ').trim(),
    partial: entry.partial?.join(' ').trim(),
    exam: entry.exam,
  }));
}

/** What the generated section claims of each id it lists. */
export function parseClaims(section: string): Map<string, Claim> {
  return new Map([...section.matchAll(CLAIM)].map((match) => [match[1] as string, match[2] as Claim]));
}
