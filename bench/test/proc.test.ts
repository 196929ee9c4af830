import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuTicksFromStat, machineTicksFromProcStat, peakRssKbFromStatus } from '../lib/proc.ts';

describe('/proc readers', () => {
  it('reads this process own CPU ticks and peak RSS', () => {
    const ticks = cpuTicksFromStat(readFileSync('/proc/self/stat', 'utf8'));
    const expected = process.cpuUsage();
    // /proc counts whole ticks of 10 ms: within a couple of ticks of what Node reports.
    expect(Math.abs(ticks * 10_000 - (expected.user + expected.system))).toBeLessThan(50_000);
    const peakKb = peakRssKbFromStatus(readFileSync('/proc/self/status', 'utf8'));
    expect(peakKb).toBeGreaterThanOrEqual(Math.floor(process.memoryUsage().rss / 1024) - 1024);
  });

  it('counts fields after the command name even when it holds spaces and parentheses', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const renamed = stat.replace(/\(.*\)/, '(a) b (c)');
    expect(cpuTicksFromStat(renamed)).toBe(cpuTicksFromStat(stat));
  });

  it('splits the machine CPU line into busy and total', () => {
    const { busy, total } = machineTicksFromProcStat(readFileSync('/proc/stat', 'utf8'));
    expect(busy).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(busy);
    expect(machineTicksFromProcStat('cpu  10 1 5 100 4 0 2 0 0 0\n')).toEqual({ busy: 18, total: 122 });
  });
});
