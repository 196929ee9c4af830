// The estimate as `npm run cost` prints it.
import type { CostEstimate } from './estimate.ts';

/** A learner's weekend in the lab: Friday evening to Monday morning. */
export const WEEKEND_HOURS = 60;

const usd = (n: number, digits = 2) => `$${n.toFixed(digits)}`;

/** The cost of `hours` of running the estate, whole days at the day's rate. */
export function costOfHours(estimate: CostEstimate, hours: number): number {
  return (estimate.day * hours) / 24;
}

function table(rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Per stack and in total, per hour (normal and peak) and per day, then what is not counted and what stays. */
export function formatEstimate(estimate: CostEstimate, profile: string, details: boolean): string {
  const rows: string[][] = [['stack', 'region', 'normal /h', 'peak /h', 'a day']];
  for (const stack of estimate.stacks) {
    rows.push([
      stack.name,
      stack.region,
      usd(stack.normal, 4),
      usd(stack.peak, 4),
      usd(stack.normal * (24 - estimate.peakHours) + stack.peak * estimate.peakHours),
    ]);
    if (details) {
      for (const l of stack.lines)
        rows.push([`  ${l.logicalId}`, l.what, usd(l.normal, 4), usd(l.peak, 4), '']);
    }
  }
  rows.push(['total', '', usd(estimate.normal, 4), usd(estimate.peak, 4), usd(estimate.day)]);
  const lines = [
    `Estimated cost of the ${profile} estate, from its synthesized templates and the prices of ${estimate.compiled} (cli/cost/prices.json)`,
    '',
    ...table(rows, new Set([2, 3, 4])),
    '',
    `A day: normal capacity for ${24 - estimate.peakHours} h, peak capacity for ${estimate.peakHours} h (the Auto Scaling schedule).`,
    `A weekend (${WEEKEND_HOURS} h): ${usd(costOfHours(estimate, WEEKEND_HOURS))}. A month: ${usd(estimate.day * 30)}.`,
  ];
  const usage = new Map<string, string>();
  for (const stack of estimate.stacks) for (const [type, what] of stack.usageOnly) usage.set(type, what);
  if (usage.size > 0) {
    lines.push('', 'Billed only by use, at cents for a lab (not counted above):');
    for (const [type, what] of [...usage].sort()) lines.push(`  ${type}: ${what}`);
  }
  const unpriced = estimate.stacks.flatMap((s) => s.unpriced.map((u) => ({ stack: s.name, ...u })));
  lines.push(
    '',
    unpriced.length === 0 ? 'Unpriced: none.' : 'Unpriced, NOT counted above (add them to the price table):',
  );
  for (const u of unpriced) lines.push(`  ${u.stack} ${u.logicalId} ${u.type}: ${u.reason}`);
  const monthly = estimate.leftovers.filter((l) => l.days === undefined);
  const passing = estimate.leftovers.filter((l) => l.days !== undefined);
  const month = monthly.reduce((sum, l) => sum + l.monthly, 0);
  const once = passing.reduce((sum, l) => sum + (l.monthly * (l.days ?? 0)) / 30, 0);
  lines.push(
    '',
    `After npm run teardown: ${usd(month)} a month until you delete what it keeps, and ${usd(once)} once:`,
  );
  for (const l of monthly) lines.push(`  ${l.stack}: ${l.what}: ${usd(l.monthly)} a month`);
  for (const l of passing) lines.push(`  ${l.stack}: ${l.what}: ${usd((l.monthly * (l.days ?? 0)) / 30)}`);
  return lines.join('\n');
}
