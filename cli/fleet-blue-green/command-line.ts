import { parseArgs } from 'node:util';

/** One option of a command: a flag, or an option that takes a value. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  /** One line of help. */
  readonly help: string;
  /** Shown in the usage as `--name <valueName>`. */
  readonly valueName?: string;
}

/** What the command line said: values by option name, and every problem found (empty: usable). */
export interface CommandLine {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly problems: readonly string[];
}

/**
 * Parses with node:util parseArgs, but collects every problem instead of stopping at the first: an
 * unknown option, a value missing or given to a flag, a stray positional argument.
 */
export function parseCommandLine(
  argv: readonly string[],
  spec: Readonly<Record<string, OptionSpec>>,
): CommandLine {
  const options = Object.fromEntries(Object.entries(spec).map(([name, o]) => [name, { type: o.type }]));
  const { values, tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === 'positional') problems.push(`unexpected argument ${token.value}`);
    if (token.kind !== 'option') continue;
    const known = spec[token.name];
    if (known === undefined) problems.push(`unknown option ${token.rawName}`);
    else if (known.type === 'string' && (token.value === undefined || token.value === '')) {
      problems.push(`${token.rawName} needs a value`);
    } else if (known.type === 'boolean' && token.value !== undefined) {
      problems.push(`${token.rawName} takes no value`);
    }
  }
  const typed: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(spec)) {
    const v = values[name];
    typed[name] = o.type === 'boolean' ? v === true : typeof v === 'string' && v !== '' ? v : undefined;
  }
  return { values: typed, problems };
}

/** A whole number of minutes within bounds, or a problem. */
export function minutes(
  values: CommandLine['values'],
  name: string,
  fallback: number,
  problems: string[],
  max = 2880,
): number {
  const raw = values[name];
  if (typeof raw !== 'string') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    problems.push(`--${name} expects whole minutes between 1 and ${max}, got ${raw}`);
    return fallback;
  }
  return n;
}

/** The usage text: a synopsis, what it does, then one line per option. */
export function usage(
  synopsis: string,
  description: string,
  spec: Readonly<Record<string, OptionSpec>>,
): string {
  const rows = Object.entries(spec).map(([name, o]) => [
    `--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`,
    o.help,
  ]);
  const width = Math.max(...rows.map(([left]) => (left ?? '').length));
  return [
    `Usage: ${synopsis}`,
    '',
    description,
    '',
    'Options:',
    ...rows.map(([left, help]) => `  ${(left ?? '').padEnd(width)}  ${help}`),
  ].join('\n');
}
