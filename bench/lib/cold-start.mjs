// One Lambda cold start: a fresh `node` process imports a handler module and invokes it once with an
// API Gateway HTTP API (payload 2.0) `GET /` event, then prints its timings as one JSON line. Plain
// JavaScript run by plain `node`, so no TypeScript loader inflates what is measured.
//
// Usage: node cold-start.mjs <handler module> [<load log file>]
// With a load log file it records every file loaded while answering `GET /`, then (to show that the
// database code is still there, only deferred) a `POST /store`, after a marker line.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const [modulePath, logFile] = process.argv.slice(2);

/** Shaped like the HTTP API payload 2.0 sample in the AWS Lambda developer guide. */
function httpApiEvent(method, path, body) {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      host: 'r3pmxmplak.execute-api.ap-southeast-2.amazonaws.com',
      'user-agent': 'curl/7.88.1',
      'x-amzn-trace-id': 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e',
      'x-forwarded-for': '203.0.113.10',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'r3pmxmplak',
      domainName: 'r3pmxmplak.execute-api.ap-southeast-2.amazonaws.com',
      domainPrefix: 'r3pmxmplak',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'curl/7.88.1' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

const context = {
  functionName: 'hello-devops',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-2:123456789012:function:hello-devops',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: '/aws/lambda/hello-devops',
  logStreamName: '2026/11/27/[$LATEST]2e0e8bdc0e3e4f4f8f8d6c1e6a0b1d2c',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

if (logFile !== undefined) register('./load-hook.mjs', import.meta.url, { data: { logFile } });

// performance.now() counts from the start of this process, so `totalMs` includes Node's own boot,
// as a Lambda cold start does.
const importStart = performance.now();
const { handler } = await import(pathToFileURL(modulePath).href);
const invokeStart = performance.now();
const result = await handler(httpApiEvent('GET', '/'), context);
const totalMs = performance.now();

let store;
if (logFile !== undefined) {
  appendFileSync(logFile, '--- POST /store\n');
  const stored = await handler(httpApiEvent('POST', '/store', '{"bench":true}'), context);
  store = { statusCode: stored.statusCode };
}

process.stdout.write(
  `${JSON.stringify({
    bootMs: importStart,
    importMs: invokeStart - importStart,
    invokeMs: totalMs - invokeStart,
    totalMs,
    statusCode: result.statusCode,
    body: result.body,
    maxRssKb: process.resourceUsage().maxRSS,
    store,
  })}\n`,
);
// A database pool opened by the POST may keep the event loop alive; the measurement is complete.
process.exit(0);
