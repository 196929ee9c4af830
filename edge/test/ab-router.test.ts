import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../infra/config/index.ts';
import {
  abRouterCode,
  FUNCTION_SIZE_LIMIT,
  routesTable,
  VARIANT_HEADER,
} from '../../infra/lib/constructs/edge/ab-router.ts';

const IMPORT = "import cf from 'cloudfront';";

/** The generated function, run as CloudFront runs it: `cf` is a stand-in recording the origin chosen. */
function router(code = abRouterCode(DEFAULT_CONFIG)) {
  const [first, ...rest] = code.split('\n');
  if (first !== IMPORT) throw new Error(`the first line must be ${IMPORT}`);
  const chosen: unknown[] = [];
  const cf = { updateRequestOrigin: (params: unknown) => chosen.push(params) };
  const handler = runInNewContext(`${rest.join('\n')}\n;handler`, { cf }) as (event: unknown) => {
    headers: Record<string, { value: string }>;
  };
  return (query: Record<string, string[]>, userAgent?: string) => {
    chosen.length = 0;
    const querystring = Object.fromEntries(
      Object.entries(query).map(([k, values]) => [
        k,
        {
          value: values[0] ?? '',
          ...(values.length > 1 ? { multiValue: values.map((value) => ({ value })) } : {}),
        },
      ]),
    );
    const request = handler({
      version: '1.0',
      context: { eventType: 'viewer-request', distributionDomainName: 'd111111abcdef8.cloudfront.net' },
      viewer: { ip: '198.51.100.7' },
      request: {
        method: 'GET',
        uri: '/',
        querystring,
        headers: {
          host: { value: 'ab.example.com' },
          ...(userAgent === undefined ? {} : { 'user-agent': { value: userAgent } }),
        },
        cookies: {},
      },
    });
    expect(chosen).toHaveLength(1);
    return {
      origin: (chosen[0] as { domainName: string }).domainName,
      variant: request.headers[VARIANT_HEADER]?.value,
    };
  };
}

const UA = {
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
  safari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70',
  opera:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0',
  curl: 'curl/8.11.0',
};

// The default topology: asg first in us-east-1, beanstalk in eu-west-1, ecs in us-west-2, serverless in ap-southeast-2.
const ORIGIN = {
  asg: 'asg.us-east-1.example.com',
  beanstalk: 'beanstalk.eu-west-1.example.com',
  ecs: 'ecs.us-west-2.example.com',
  serverless: 'serverless.ap-southeast-2.example.com',
  app: 'app.example.com',
} as const;

describe('the A/B router (edge/ab-router) executed as CloudFront runs it', () => {
  const route = router();

  it.each([
    ['1', 'asg'],
    ['2', 'beanstalk'],
    ['3', 'ecs'],
    ['4', 'serverless'],
  ] as const)('DNS-4: ?type=%s sends every browser to %s', (type, variant) => {
    for (const agent of [...Object.values(UA), undefined]) {
      expect(route({ type: [type] }, agent)).toEqual({ origin: ORIGIN[variant], variant });
    }
  });

  it.each([
    ['Chrome', 'asg', UA.chrome],
    ['Chrome on iOS', 'asg', UA.chromeIos],
    ['Firefox', 'beanstalk', UA.firefox],
    ['Firefox on Android', 'beanstalk', UA.firefoxAndroid],
    ['Safari', 'app', UA.safari],
    // Edge and Opera carry "Chrome/" too; they are other browsers, so the table lists them first.
    ['Edge', 'app', UA.edge],
    ['Opera', 'app', UA.opera],
    ['curl', 'app', UA.curl],
    ['no User-Agent', 'app', undefined],
    ['an empty User-Agent', 'app', ''],
  ] as const)('DNS-5: without a type, %s goes to %s', (_name, variant, agent) => {
    expect(route({}, agent)).toEqual({ origin: ORIGIN[variant], variant });
  });

  it.each([
    ['an unknown value', { type: ['5'] }],
    ['zero', { type: ['0'] }],
    ['an empty value', { type: [''] }],
    ['a word', { type: ['asg'] }],
    ['a number with a tail', { type: ['1abc'] }],
    ['a prototype name', { type: ['constructor'] }],
    ['another parameter', { kind: ['1'] }],
  ])('DNS-4, DNS-5: %s falls back to the browser rule', (_name, query) => {
    expect(route(query, UA.firefox)).toEqual({ origin: ORIGIN.beanstalk, variant: 'beanstalk' });
    expect(route(query, UA.safari)).toEqual({ origin: ORIGIN.app, variant: 'app' });
  });

  it('DNS-4: a repeated parameter takes its first value; an upper-case name counts; spaces around the value do not', () => {
    expect(route({ type: ['3', '1'] }, UA.chrome)).toEqual({ origin: ORIGIN.ecs, variant: 'ecs' });
    expect(route({ TYPE: ['2'] }, UA.chrome)).toEqual({ origin: ORIGIN.beanstalk, variant: 'beanstalk' });
    expect(route({ Type: [' 4 '] }, UA.chrome)).toEqual({ origin: ORIGIN.serverless, variant: 'serverless' });
  });

  it('DNS-4, DNS-5: the variant header a client sends is overwritten, so it cannot pick a cache entry of another variant', () => {
    const code = abRouterCode(DEFAULT_CONFIG);
    const chosen: unknown[] = [];
    const handler = runInNewContext(`${code.split('\n').slice(1).join('\n')}\n;handler`, {
      cf: { updateRequestOrigin: (p: unknown) => chosen.push(p) },
    });
    const request = handler({
      request: {
        querystring: {},
        headers: { 'user-agent': { value: UA.safari }, [VARIANT_HEADER]: { value: 'asg' } },
      },
    });
    expect(request.headers[VARIANT_HEADER]).toEqual({ value: 'app' });
  });

  it('DNS-4: an engine the config switches off is served by app', () => {
    const config = {
      ...DEFAULT_CONFIG,
      engines: { ...DEFAULT_CONFIG.engines, ecs: { ...DEFAULT_CONFIG.engines.ecs, enabled: false } },
    };
    expect(router(abRouterCode(config))({ type: ['3'] }, UA.chrome)).toEqual({
      origin: ORIGIN.app,
      variant: 'ecs',
    });
  });

  it('DNS-4, DNS-5: the table in the repository maps 1..4 to the ASG, Beanstalk, ECS and Lambda, Firefox to Beanstalk and Chrome to the ASG', () => {
    const table = routesTable();
    expect(table.types).toEqual({ '1': 'asg', '2': 'beanstalk', '3': 'ecs', '4': 'serverless' });
    expect(table.fallback).toBe('app');
  });

  it('DNS-4, DNS-5: the function fits CloudFront Functions: under 10 KB, one import of the cloudfront module, nothing the runtime lacks', () => {
    const code = abRouterCode(DEFAULT_CONFIG);
    expect(Buffer.byteLength(code, 'utf8')).toBeLessThan(FUNCTION_SIZE_LIMIT);
    expect(code.split('\n')[0]).toBe(IMPORT);
    expect(code.match(/\bimport\b/g)).toHaveLength(1);
    // No network, timers, modules, dynamic code or Node globals: cloudfront-js-2.0 has none of them.
    for (const banned of [
      /\brequire\s*\(/,
      /\bfetch\s*\(/,
      /\bset(Timeout|Interval)\b/,
      /\beval\s*\(/,
      /\bnew Function\b/,
      /\bprocess\./,
      /\bimport\s*\(/,
      /\bexport\b/,
      /\bclass\s/,
      /\bBuffer\b/,
      /\bglobalThis\b/,
    ]) {
      expect(code).not.toMatch(banned);
    }
    expect(code).toMatch(/^function handler\(event\)/m);
  });
});
