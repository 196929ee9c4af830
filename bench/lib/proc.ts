import { readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc CPU times: 100 on every Linux architecture Node runs on. */
export const ticksPerSecond = 100;

/**
 * Linux process accounting read from /proc. The web server is a cluster primary plus its workers, so
 * every figure covers the primary and its direct children.
 */

/** The primary and its direct children (cluster workers). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    // The process has exited: it has no children to report.
  }
  return [pid, ...children];
}

/** User + system CPU of one process, in clock ticks, from the text of /proc/<pid>/stat. */
export function cpuTicksFromStat(stat: string): number {
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of proc(5) are at 11 and 12 once pid and comm are dropped.
  return Number(fields[11]) + Number(fields[12]);
}

/** Peak resident set size (VmHWM) in kB, from the text of /proc/<pid>/status. */
export function peakRssKbFromStatus(status: string): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** CPU ticks (USER_HZ, 100 per second on Linux) used so far by the primary and its workers. */
export function treeCpuTicks(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const stat = readOr(`/proc/${p}/stat`, '');
    return stat === '' ? sum : sum + cpuTicksFromStat(stat);
  }, 0);
}

/** Sum of the peak RSS of the primary and each worker, in kB. */
export function treePeakRssKb(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + peakRssKbFromStatus(readOr(`/proc/${p}/status`, '')), 0);
}

/** Busy and total CPU ticks of the whole machine, from the first line of /proc/stat. */
export function machineTicksFromProcStat(text: string): { busy: number; total: number } {
  const [, ...fields] = (text.split('\n')[0] ?? '').trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const values = fields.slice(0, 8).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Cores' worth of CPU the whole machine spends over `ms` milliseconds, whoever spends it. */
export async function machineBusyCores(ms: number): Promise<number> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  return (after.busy - before.busy) / ticksPerSecond / (ms / 1000);
}

/**
 * CPU ticks of the children this process has waited for (cutime + cstime of /proc/self/stat): read
 * around a wrk run, it gives wrk's CPU, since wrk is the only child reaped in between.
 */
export function reapedChildrenTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 (cutime) and 17 (cstime) of proc(5).
  return Number(fields[13]) + Number(fields[14]);
}

export function machineTicks(): { busy: number; total: number } {
  return machineTicksFromProcStat(readFileSync('/proc/stat', 'utf8'));
}
