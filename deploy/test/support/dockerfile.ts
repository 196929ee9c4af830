// A Dockerfile read as the builder reads it, enough for the instructions deploy/container uses: shared
// by the image's own tests and by the stack tests that hold the task definition to the image.

/** One instruction of a Dockerfile. */
export interface Instruction {
  /** Upper case, e.g. `HEALTHCHECK`. */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  /** The line it starts on, 1-based. */
  readonly line: number;
}

/**
 * The instructions of a Dockerfile: comment lines dropped (also inside a continuation, as the builder
 * drops them), a line ending in a backslash joined with the next. Enough for the instructions used here.
 */
export function parseDockerfile(source: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  source.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return;
    if (trimmed === '' && pending === undefined) return;
    const continues = /\\\s*$/.test(raw);
    const text = continues ? raw.replace(/\\\s*$/, '') : raw;
    pending =
      pending === undefined ? { text, line: index + 1 } : { ...pending, text: `${pending.text} ${text}` };
    if (continues) return;
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(pending.text);
    if (match?.[1] !== undefined) {
      instructions.push({
        keyword: match[1].toUpperCase(),
        args: (match[2] ?? '').replace(/\s+/g, ' ').trim(),
        line: pending.line,
      });
    }
    pending = undefined;
  });
  return instructions;
}

/** The argv of an exec-form (JSON array) command, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const value: unknown = JSON.parse(args);
  return Array.isArray(value) && value.every((part) => typeof part === 'string') ? value : undefined;
}

/** `ENV A=1 B="two words"` (and the legacy `ENV A 1`) as pairs, in order. */
export function parseEnv(args: string): [string, string][] {
  if (!/^[\w.-]+=/.test(args)) {
    const [name = '', ...value] = args.split(' ');
    return [[name, value.join(' ')]];
  }
  return [...args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map(([, name = '', value = '']) => [
    name,
    value.startsWith('"') ? (JSON.parse(value) as string) : value,
  ]);
}

/** `HEALTHCHECK --interval=10s ... CMD [...]`: its options and its command. */
export function parseHealthcheck(args: string): { options: Map<string, string>; command: string } {
  const options = new Map<string, string>();
  let rest = args;
  for (let option = /^--([\w-]+)=(\S+)\s+/.exec(rest); option; option = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    options.set(option[1] ?? '', option[2] ?? '');
    rest = rest.slice(option[0].length);
  }
  const command = /^CMD\s+([\s\S]+)$/.exec(rest)?.[1] ?? '';
  return { options, command };
}

/** `10s`, `1m30s`, `500ms` in milliseconds. */
export function duration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce(
    (total, [, amount, unit]) => total + Number(amount) * (units[unit ?? 's'] ?? 0),
    0,
  );
}
