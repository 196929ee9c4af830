// npm run watch -- <url> [--rate 10] [--window 30] [--by version,colour] [--keep-alive] [--requests N]
// The live share of responses by version, region, engine and colour (OPS-2): watch a canary or a
// weighted DNS shift happen, and a failing region drop out.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeKeptConnections } from './watch/probe.ts';
import { DIMENSIONS, type Dimension, formatShares } from './watch/traffic-window.ts';
import { watchTraffic } from './watch/watch.ts';

const USAGE =
  'usage: npm run watch -- <url> [--rate <req/s>] [--window <s>] [--by version,region,engine,colour] ' +
  '[--keep-alive] [--requests <n>]';

/** The watch's settings, validated; every problem named at once. */
export function parseWatchArguments(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      rate: { type: 'string', default: '10' },
      window: { type: 'string', default: '30' },
      by: { type: 'string', default: DIMENSIONS.join(',') },
      'keep-alive': { type: 'boolean', default: false },
      requests: { type: 'string' },
    },
  });
  const problems: string[] = [];
  const number = (name: string, text: string | undefined, max: number) => {
    const value = Number(text);
    if (text !== undefined && !(Number.isFinite(value) && value > 0 && value <= max))
      problems.push(`--${name} must be a number above 0 and at most ${max}, got ${JSON.stringify(text)}`);
    return value;
  };
  let url: URL | undefined;
  if (positionals.length !== 1) problems.push('expected exactly one URL');
  else {
    try {
      url = new URL(positionals[0] ?? '');
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        problems.push('the URL must be http or https');
    } catch {
      problems.push(`not a URL: ${JSON.stringify(positionals[0])}`);
    }
  }
  const by = (values.by ?? '').split(',').filter(Boolean) as Dimension[];
  const unknown = by.filter((d) => !DIMENSIONS.includes(d));
  if (by.length === 0 || unknown.length > 0)
    problems.push(
      `--by takes some of ${DIMENSIONS.join(', ')}${unknown.length > 0 ? `, not ${unknown.join(', ')}` : ''}`,
    );
  const ratePerSecond = number('rate', values.rate, 1000);
  const windowSeconds = number('window', values.window, 3600);
  const requests =
    values.requests === undefined ? undefined : number('requests', values.requests, 10_000_000);
  if (problems.length > 0 || url === undefined) throw new Error(`${problems.join('; ')}\n${USAGE}`);
  return {
    url,
    ratePerSecond,
    windowMs: windowSeconds * 1000,
    by,
    keepAlive: values['keep-alive'],
    requests,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let settings: ReturnType<typeof parseWatchArguments>;
  try {
    settings = parseWatchArguments(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const redraw = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
  const title = () =>
    `${settings.url.href}  ${settings.ratePerSecond} req/s, last ${settings.windowMs / 1000} s  ${new Date().toISOString()}`;
  const rows = await watchTraffic({
    ...settings,
    signal: stop.signal,
    onTick: (current) => console.log(`${redraw}${title()}\n${formatShares(current, settings.by)}\n`),
  });
  closeKeptConnections();
  console.log(`${title()} (final)\n${formatShares(rows, settings.by)}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
