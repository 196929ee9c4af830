import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../service/src/app.ts';
import { startWebServer, type WebServer } from '../../service/src/web.ts';
import { servedByOf } from '../watch/probe.ts';
import { type Sample, TrafficWindow } from '../watch/traffic-window.ts';
import { watchTraffic } from '../watch/watch.ts';
import { parseWatchArguments } from '../watch.ts';

const blue = { version: '1.0.0', region: 'us-east-1', engine: 'asg', colour: 'blue' };
const green = { version: '1.1.0', region: 'us-east-1', engine: 'asg', colour: 'green' };
const sample = (at: number, fields: Partial<Sample> = {}): Sample => ({
  at,
  latencyMs: 10,
  status: 200,
  servedBy: blue,
  ...fields,
});

describe('the traffic window', () => {
  it('OPS-2: groups answers by the chosen dimensions; the shares of a window add up to 1', () => {
    const window = new TrafficWindow(10_000);
    for (let i = 0; i < 6; i++) window.add(sample(1000 + i));
    for (let i = 0; i < 2; i++) window.add(sample(1000 + i, { servedBy: green }));
    window.add(sample(1100, { servedBy: { ...green, region: 'eu-central-1' } }));
    const byColour = window.rows(['colour'], 2000);
    expect(byColour.map((r) => [r.key, r.count])).toEqual([
      ['blue', 6],
      ['green', 3],
    ]);
    expect(byColour.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1, 10);
    expect(window.rows(['version', 'region'], 2000).map((r) => r.key)).toEqual([
      '1.0.0 us-east-1',
      '1.1.0 us-east-1',
      '1.1.0 eu-central-1',
    ]);
  });

  it('OPS-2: an answer leaves the window once it is older than the window, so a shift shows as it happens', () => {
    const window = new TrafficWindow(5000);
    window.add(sample(0));
    window.add(sample(4000, { servedBy: green }));
    expect(window.rows(['colour'], 4500).map((r) => r.key)).toEqual(['blue', 'green']);
    expect(window.rows(['colour'], 5001).map((r) => [r.key, r.share])).toEqual([['green', 1]]);
  });

  it('OPS-2: counts 5xx per group, and shows answers without the headers and failures as their own rows', () => {
    const window = new TrafficWindow(10_000);
    window.add(sample(1, { status: 500, latencyMs: 30 }));
    window.add(sample(2, { latencyMs: 10 }));
    window.add(sample(3, { status: 502, servedBy: undefined }));
    window.add(sample(4, { status: undefined, servedBy: undefined, error: 'ECONNREFUSED' }));
    const rows = window.rows(['colour'], 10);
    expect(rows.find((r) => r.key === 'blue')).toMatchObject({
      count: 2,
      serverErrors: 1,
      p50Ms: 10,
      p99Ms: 30,
    });
    expect(rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['no served-by headers (HTTP 502)', 'no answer (ECONNREFUSED)']),
    );
  });
});

describe('the watch arguments', () => {
  it('OPS-2: names every bad argument at once', () => {
    expect(() => parseWatchArguments(['ftp://x', '--rate', '0', '--by', 'colour,size'])).toThrow(
      /the URL must be http or https; --by takes some of version, region, engine, colour, not size; --rate must be/,
    );
    expect(parseWatchArguments(['http://localhost:8080/', '--by', 'version'])).toMatchObject({
      ratePerSecond: 10,
      windowMs: 30_000,
      by: ['version'],
      keepAlive: false,
    });
  });
});

describe('watching a weighted shift between two real copies of the service', () => {
  const servers: WebServer[] = [];
  let front: http.Server;
  let frontUrl: URL;
  let sent = 0;
  const ports: number[] = [];

  beforeAll(async () => {
    for (const servedBy of [blue, green]) {
      const app = createApp({
        settings: { servedBy: { ...servedBy, instance: 'i-test' }, faultMode: undefined, failureRate: 0 },
        store: async () => {
          throw new Error('not needed');
        },
        log: () => {},
      });
      const server = await startWebServer(app, { port: 0, hostname: '127.0.0.1' });
      servers.push(server);
      ports.push(server.port);
    }
    // A weighted router in front, like an alias or weighted records: every fourth request to green,
    // the rest to blue; a copy that is gone is a 502 from the router, as from a load balancer.
    front = http.createServer((request, response) => {
      const port = sent++ % 4 === 3 ? ports[1] : ports[0];
      const upstream = http.get({ host: '127.0.0.1', port, path: request.url, agent: false }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.once('error', () => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end('bad gateway');
      });
    });
    await new Promise<void>((listening) => front.listen(0, '127.0.0.1', listening));
    const address = front.address();
    frontUrl = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
  });

  afterAll(async () => {
    await new Promise((closed) => front.close(closed));
    await Promise.all(servers.map((s) => s.drain()));
  });

  it('OPS-2: reports 75 % blue and 25 % green by version and colour, as the router splits them', async () => {
    sent = 0;
    const rows = await watchTraffic({
      url: frontUrl,
      ratePerSecond: 400,
      windowMs: 60_000,
      by: ['version', 'colour'],
      requests: 200,
    });
    expect(rows.map((r) => [r.key, r.count, r.share])).toEqual([
      ['1.0.0 blue', 150, 0.75],
      ['1.1.0 green', 50, 0.25],
    ]);
    expect(rows.every((r) => r.serverErrors === 0)).toBe(true);
  });

  it("OPS-2: a copy that goes away shows as the router's 502s in place of its share", async () => {
    await servers[1]?.drain();
    sent = 0;
    const rows = await watchTraffic({
      url: frontUrl,
      ratePerSecond: 400,
      windowMs: 60_000,
      by: ['colour'],
      requests: 100,
    });
    expect(rows.map((r) => [r.key, r.count, r.serverErrors])).toEqual([
      ['blue', 75, 0],
      ['no served-by headers (HTTP 502)', 25, 25],
    ]);
  });

  it('OPS-2: a watch of a closed port reports every request as unanswered, and still ends', async () => {
    const rows = await watchTraffic({
      url: new URL(`http://127.0.0.1:${ports[1]}/`),
      ratePerSecond: 200,
      windowMs: 60_000,
      by: ['colour'],
      requests: 20,
    });
    expect(rows).toEqual([expect.objectContaining({ key: 'no answer (ECONNREFUSED)', count: 20, share: 1 })]);
  });

  it('OPS-2: reads exactly the four served-by headers, and nothing from an answer that lacks one', () => {
    const headers = {
      'x-served-by-version': '2',
      'x-served-by-region': 'r',
      'x-served-by-engine': 'e',
      'x-served-by-colour': 'c',
    };
    expect(servedByOf(headers)).toEqual({ version: '2', region: 'r', engine: 'e', colour: 'c' });
    expect(servedByOf({ ...headers, 'x-served-by-colour': undefined })).toBeUndefined();
  });
});
