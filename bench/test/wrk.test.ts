import { describe, expect, it } from 'vitest';
import { errorCount, parseWrkReport, requestsPerSecond, wrkArgs } from '../lib/wrk.ts';

// Captured from `wrk -t1 -c32 -d3s -s bench/lib/wrk.lua` (wrk 4.1.0) against the Go reference.
const captured = `Running 3s test @ http://127.0.0.1:18080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.89ms    1.09ms  11.30ms   89.66%
    Req/Sec    43.84k     7.93k   54.60k    67.74%
  135149 requests in 3.10s, 16.88MB read
Requests/sec:  43567.32
Transfer/sec:      5.44MB
WRK_JSON {"requests":135149,"durationUs":3102073,"bytes":17704519,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"latencyUs":{"mean":890.6,"p50":577,"p90":2036,"p99":5257,"max":11297}}
`;

describe('wrk report', () => {
  it('reads the JSON line and agrees with wrk own Requests/sec', () => {
    const report = parseWrkReport(captured);
    expect(report.latencyUs).toEqual({ mean: 890.6, p50: 577, p90: 2036, p99: 5257, max: 11297 });
    expect(requestsPerSecond(report)).toBeCloseTo(43567.32, 1);
    expect(errorCount(report)).toBe(0);
  });

  it('counts every kind of error, non-2xx statuses included', () => {
    const line = captured.replace(
      '"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0}',
      '"errors":{"connect":1,"read":2,"write":3,"status":4,"timeout":5}',
    );
    expect(errorCount(parseWrkReport(line))).toBe(15);
  });

  it('names what wrk printed when the script line is missing', () => {
    expect(() => parseWrkReport('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(
      /printed no WRK_JSON line.*Connection refused/s,
    );
  });

  it('passes a JSON body to the script as a POST', () => {
    const args = wrkArgs({
      url: 'http://127.0.0.1:1/store',
      connections: 8,
      seconds: 2,
      jsonBody: '{"a":1}',
    });
    expect(args.slice(0, 3)).toEqual(['-t1', '-c8', '-d2s']);
    expect(args.slice(-4)).toEqual(['http://127.0.0.1:1/store', '--', 'POST', '{"a":1}']);
    expect(wrkArgs({ url: 'http://127.0.0.1:1/', connections: 8, seconds: 2 }).at(-1)).toBe(
      'http://127.0.0.1:1/',
    );
  });
});
