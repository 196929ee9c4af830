import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('docs/architecture.png is a committed PNG drawn by npm run diagram from the synthesized estate', () => {
  const png = readFileSync(new URL('../../docs/architecture.png', import.meta.url));
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  // cdk-dia draws one box per stack: the foundation of the home region and of the recovery account at least.
  expect(width).toBeGreaterThan(1000);
  expect(height).toBeGreaterThan(500);
  expect(readFileSync(new URL('../diagram.ts', import.meta.url), 'utf8')).toMatch(/docs\/architecture\.png/);
});
