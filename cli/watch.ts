// npm run watch -- <url> [options] (--help for them)
// The live share of responses by version, region, engine and colour (OPS-2): watch a canary or a
// weighted DNS shift happen, and a failing region drop out.
import { defineCommand, isMain, positiveNumber, type RunContext } from './lib/usage.ts';
import { closeKeptConnections } from './watch/probe.ts';
import { DIMENSIONS, type Dimension, formatShares } from './watch/traffic-window.ts';
import { watchTraffic } from './watch/watch.ts';

export const WATCH = defineCommand({
  name: 'watch',
  summary:
    'The live share of responses by version, region, engine and colour (OPS-2): watch a canary or a weighted DNS shift happen, and a failing region drop out. Ctrl-C ends it and prints the last window.',
  positionals: [{ name: 'url', description: 'what to request (http or https)' }],
  options: {
    rate: { type: 'string', value: '<req/s>', description: 'requests started per second', default: '10' },
    window: {
      type: 'string',
      value: '<s>',
      description: 'the sliding window the shares cover',
      default: '30',
    },
    by: {
      type: 'string',
      value: '<dims>',
      description: `what a group is made of, some of ${DIMENSIONS.join(',')}`,
      default: DIMENSIONS.join(','),
    },
    'keep-alive': {
      type: 'boolean',
      description: 'reuse connections (what a browser sees; off: every request resolves DNS anew)',
    },
    requests: { type: 'string', value: '<n>', description: 'stop after this many answers' },
  },
  examples: [
    'https://app.example.com/ --rate 20 --by version,colour',
    'http://localhost:8080/ --requests 100 --json',
  ],
  json: true,
  settings({ values, positionals }, problems) {
    let url: URL | undefined;
    const text = positionals[0];
    if (text !== undefined) {
      try {
        url = new URL(text);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          problems.push('the URL must be http or https');
      } catch {
        problems.push(`not a URL: ${JSON.stringify(text)}`);
      }
    }
    const by = (values.by ?? '').split(',').filter(Boolean) as Dimension[];
    const unknown = by.filter((d) => !DIMENSIONS.includes(d));
    if (by.length === 0 || unknown.length > 0)
      problems.push(
        `--by takes some of ${DIMENSIONS.join(', ')}${unknown.length > 0 ? `, not ${unknown.join(', ')}` : ''}`,
      );
    const ratePerSecond = positiveNumber(problems, 'rate', values.rate, 1000);
    const windowSeconds = positiveNumber(problems, 'window', values.window, 3600);
    const requests =
      values.requests === undefined
        ? undefined
        : positiveNumber(problems, 'requests', values.requests, 10_000_000);
    return {
      url: url ?? new URL('http://invalid/'),
      ratePerSecond,
      windowMs: windowSeconds * 1000,
      by,
      keepAlive: values['keep-alive'],
      requests,
    };
  },
});

/** The watch's settings, validated; every problem named at once. */
export const parseWatchArguments = (argv: readonly string[]) => WATCH.parse(argv);

async function main(settings: ReturnType<typeof parseWatchArguments>, context: RunContext): Promise<number> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const redraw = context.io.stdout.isTTY && !context.json ? '\x1b[H\x1b[2J' : '';
  const title = () =>
    `${settings.url.href}  ${settings.ratePerSecond} req/s, last ${settings.windowMs / 1000} s  ${new Date().toISOString()}`;
  const rows = await watchTraffic({
    ...settings,
    signal: stop.signal,
    onTick: (current) => context.say(`${redraw}${title()}\n${formatShares(current, settings.by)}\n`),
  });
  closeKeptConnections();
  context.result(
    { url: settings.url.href, windowMs: settings.windowMs, by: settings.by, rows },
    `${title()} (final)\n${formatShares(rows, settings.by)}`,
  );
  return 0;
}

if (isMain(import.meta.url)) process.exitCode = await WATCH.run(process.argv.slice(2), main);
