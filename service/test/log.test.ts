import { describe, expect, it } from 'vitest';
import { createBufferedSink, formatRequestLogLine, type RequestLogLine } from '../src/log.ts';
import { seededRandom } from '../src/random.ts';

const line: RequestLogLine = {
  time: '2030-01-02T03:04:05.678Z',
  method: 'GET',
  path: '/a"b\\c\n\u0001',
  status: 404,
  durationMs: 0.42,
  outcome: 'failure',
  version: '1.0.0',
  region: 'us-east-1',
  engine: 'asg',
  colour: 'blue',
};

describe('request log line', () => {
  it('SVC-5: is one line of JSON equal to the fields, whatever the path contains', () => {
    const text = formatRequestLogLine(line);
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(line);
    expect(text).toContain('"outcome":"failure"');
  });

  it('SVC-5: lines written in the same event-loop turn leave in one write, and flush() writes at once', async () => {
    const writes: string[] = [];
    const sink = createBufferedSink((chunk) => writes.push(chunk));
    sink('a');
    sink('b');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\n']);
    sink('c');
    sink.flush();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('SVC-5: the seeded source repeats its sequence for a seed and spreads evenly over [0, 1)', () => {
    const first = Array.from({ length: 10_000 }, seededRandom(7));
    expect(Array.from({ length: 10_000 }, seededRandom(7))).toEqual(first);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...first)).toBeLessThan(1);
    const mean = first.reduce((sum, value) => sum + value, 0) / first.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});
