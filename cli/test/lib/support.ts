/** A stream that keeps what is written to it, a terminal or not. */
export function buffer(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}
