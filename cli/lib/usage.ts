// One way to use every operator command: `--help` prints its usage, options and an example; bad usage
// exits 2 naming every problem at once; `--json` (where a machine reads the result) puts the result alone
// on stdout. A command declares its arguments once and gets all of that:
//
//   export const WATCH = defineCommand({ name: 'watch', summary: '…', positionals: [...], options: {...},
//     examples: ['https://app.example.com/'], settings: ({ values, positionals }, problems) => ({ ... }) });
//   if (isMain(import.meta.url)) process.exitCode = await WATCH.run(process.argv.slice(2), main);
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Progress, type ProgressStream } from './progress.ts';

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One line for the help. */
  readonly description: string;
  /** The placeholder of a string option's value in the help, e.g. `<region>`. @default '<value>' */
  readonly value?: string;
  /** A string option's value when it is not given. @default - undefined */
  readonly default?: string;
}

/** One positional argument of a command, in order. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** @default false */
  readonly optional?: boolean;
}

/** What a command line holds once the option grammar is checked. */
export interface ParsedInput<O extends Record<string, OptionSpec>> {
  readonly values: { readonly [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : string | undefined };
  readonly positionals: readonly string[];
}

/** A command's declaration. */
export interface CommandSpec<O extends Record<string, OptionSpec>, S> {
  /** The npm script: `npm run <name>`. */
  readonly name: string;
  /** What the command does, in a sentence or two. */
  readonly summary: string;
  /** @default [] */
  readonly positionals?: readonly PositionalSpec[];
  readonly options: O;
  /** Arguments of example runs (what follows `npm run <name> --`); at least one. */
  readonly examples: readonly string[];
  /** The command prints a result a machine may read: adds `--json`. @default false */
  readonly json?: boolean;
  /**
   * The command's settings from the parsed input; pushes every problem into `problems` instead of
   * throwing at the first, so the user fixes them all in one go.
   */
  settings(input: ParsedInput<O>, problems: string[]): S;
}

/** Where a run writes; a test hands in its own. */
export interface CommandIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

/** What a command's main function gets besides its settings. */
export interface RunContext {
  readonly io: CommandIo;
  /** `--json` was given: stdout carries the result only. */
  readonly json: boolean;
  /** Steps with elapsed time, on stderr (stdout stays for the result). */
  readonly progress: Progress;
  /** A line of the human output (stdout, or stderr under `--json`). */
  say(line: string): void;
  /** The result: `value` as JSON under `--json`, else `text`. */
  result(value: unknown, text: string): void;
}

/** Bad usage: every problem found, and the usage line. */
export class UsageError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly usage: string,
  ) {
    super(`${problems.join('; ')}\n${usage}`);
    this.name = 'UsageError';
  }
}

const HELP = ['help', 'h'];

/** A declared command: parse its arguments, print its help, run it. */
export interface Command<S> {
  readonly name: string;
  /** The settings of `argv`; throws {@link UsageError} naming every problem. */
  parse(argv: readonly string[]): S;
  /** The full help text. */
  help(): string;
  /** The one-line usage. */
  usage(): string;
  /** `--help`: print help, 0. Bad usage: print problems, 2. Otherwise `main`'s exit code. */
  run(
    argv: readonly string[],
    main: (settings: S, context: RunContext) => Promise<number> | number,
    io?: CommandIo,
  ): Promise<number>;
}

/** The options several commands share, declared once so their help reads the same everywhere. */
export const SHARED_OPTIONS = {
  /** The estate profile of the user's config. */
  profile: {
    type: 'string',
    value: '<lab|production>',
    description: "the config profile (default: the config's)",
  },
  'primary-profile': {
    type: 'string',
    value: '<name>',
    description: 'AWS CLI profile of the primary account',
  },
  'recovery-profile': {
    type: 'string',
    value: '<name>',
    description: 'AWS CLI profile of the recovery account',
  },
} as const satisfies Record<string, OptionSpec>;

/** Declares a command (see the file comment). */
export function defineCommand<O extends Record<string, OptionSpec>, S>(spec: CommandSpec<O, S>): Command<S> {
  if (spec.examples.length === 0) throw new Error(`${spec.name}: a command needs an example`);
  const options: Record<string, OptionSpec> = { ...spec.options };
  if (spec.json) options.json = { type: 'boolean', description: 'print the result as JSON on stdout' };
  const positionals = spec.positionals ?? [];

  const usage = () => {
    const args = positionals.map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`));
    return `usage: npm run ${spec.name} --${args.map((a) => ` ${a}`).join('')}${Object.keys(options).length > 0 ? ' [options]' : ''}`;
  };

  const help = () => {
    const optionLines = Object.entries(options).map(([name, o]) => {
      const left = o.type === 'string' ? `--${name} ${o.value ?? '<value>'}` : `--${name}`;
      return [left, `${o.description}${o.default === undefined ? '' : ` (default ${o.default})`}`] as const;
    });
    optionLines.push(['-h, --help', 'print this help']);
    const width = Math.max(
      ...optionLines.map(([left]) => left.length),
      ...positionals.map((p) => p.name.length + 2),
    );
    const section = (title: string, rows: readonly (readonly [string, string])[]) =>
      rows.length === 0 ? [] : ['', title, ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`)];
    return [
      usage(),
      '',
      spec.summary,
      ...section(
        'Arguments:',
        positionals.map((p) => [`<${p.name}>`, p.description] as const),
      ),
      ...section('Options:', optionLines),
      '',
      spec.examples.length > 1 ? 'Examples:' : 'Example:',
      ...spec.examples.map((e) => `  npm run ${spec.name}${e === '' ? '' : ` -- ${e}`}`),
    ].join('\n');
  };

  const grammar = (argv: readonly string[]) => {
    const { tokens } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type }])),
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    const problems: string[] = [];
    const values: Record<string, string | boolean | undefined> = {};
    for (const [name, o] of Object.entries(options)) values[name] = o.type === 'boolean' ? false : o.default;
    const given: string[] = [];
    for (const token of tokens) {
      if (token.kind === 'option-terminator') continue;
      if (token.kind === 'positional') {
        given.push(token.value);
        continue;
      }
      const option = options[token.name];
      if (option === undefined) problems.push(`unknown argument ${token.rawName}`);
      else if (option.type === 'boolean') {
        if (token.value !== undefined) problems.push(`${token.rawName} takes no value`);
        else values[token.name] = true;
      } else if (
        token.value === undefined ||
        token.value === '' ||
        (!token.inlineValue && token.value.startsWith('-'))
      )
        problems.push(`${token.rawName} needs a value`);
      else values[token.name] = token.value;
    }
    const required = positionals.filter((p) => !p.optional).length;
    for (const extra of given.slice(positionals.length))
      problems.push(`unexpected argument ${JSON.stringify(extra)}`);
    for (const missing of positionals.slice(given.length, required))
      problems.push(`missing <${missing.name}>`);
    return { problems, input: { values, positionals: given } as unknown as ParsedInput<O> };
  };

  const parse = (argv: readonly string[]): S => {
    const { problems, input } = grammar(argv);
    const settings = spec.settings(input, problems);
    if (problems.length > 0) throw new UsageError(problems, usage());
    return settings;
  };

  return {
    name: spec.name,
    parse,
    help,
    usage,
    async run(argv, main, io = PROCESS_IO) {
      if (argv.some((a) => HELP.some((h) => a === `--${h}` || (h.length === 1 && a === `-${h}`)))) {
        io.stdout.write(`${help()}\n`);
        return 0;
      }
      let settings: S;
      try {
        settings = parse(argv);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.stderr.write(
          `${error.problems.map((p) => `error: ${p}`).join('\n')}\n${error.usage}\n(npm run ${spec.name} -- --help for more)\n`,
        );
        return 2;
      }
      const json = spec.json === true && argv.includes('--json');
      const human = json ? io.stderr : io.stdout;
      return main(settings, {
        io,
        json,
        progress: new Progress(io.stderr),
        say: (line) => human.write(`${line}\n`),
        result: (value, text) =>
          json ? io.stdout.write(`${JSON.stringify(value, null, 2)}\n`) : io.stdout.write(`${text}\n`),
      });
    },
  };
}

const PROCESS_IO: CommandIo = { stdout: process.stdout, stderr: process.stderr };

/** True when the module at `url` is the script node was started with (not imported by a test). */
export function isMain(url: string): boolean {
  return url === pathToFileURL(process.argv[1] ?? '').href;
}

/** A number in (0, max], or a problem naming the option. */
export function positiveNumber(
  problems: string[],
  option: string,
  text: string | undefined,
  max: number,
): number {
  const value = Number(text);
  if (text !== undefined && !(Number.isFinite(value) && value > 0 && value <= max))
    problems.push(`--${option} must be a number above 0 and at most ${max}, got ${JSON.stringify(text)}`);
  return value;
}

/** One of `allowed`, or a problem naming the option and the choices. */
export function oneOf<T extends string>(
  problems: string[],
  option: string,
  text: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  problems.push(`--${option} takes one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  return undefined;
}
