/** A requirement id: a family of capital letters and a number (`SVC-3`, `CICD-10`). */
export const ID = String.raw`[A-Z]{2,5}-\d+`;

// One or more ids at the very start of a title, joined by `,`, `&` or `/`, then a colon. vitest prints
// a string interpolated with `$name` in quotes, so one opening quote is allowed before the first id.
const LEADING_IDS = new RegExp(String.raw`^['"]?((?:${ID})(?:\s*[,&/]\s*(?:${ID}))*)\s*:`);

/** The ids a title carries: those it starts with (`'DNS-1, DNS-2: …'`), none when it does not start with one. */
export function idsOf(title: string): string[] {
  const match = LEADING_IDS.exec(title);
  return match ? (match[1] as string).split(/\s*[,&/]\s*/) : [];
}
