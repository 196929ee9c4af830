import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaFootprint, staticClosure } from '../lib/lambda.ts';

describe('code loaded before a split bundle answers', () => {
  let dir: string;

  // A real code-split esbuild build, as the Lambda bundle is made: the shared module becomes a chunk
  // both the entry and the lazy module import statically; the lazy module its own chunk.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-footprint-'));
    writeFileSync(join(dir, 'shared.js'), 'export const greeting = () => "Hello, DevOps!";\n');
    writeFileSync(
      join(dir, 'lazy.js'),
      `import { greeting } from './shared.js';\nexport const heavy = () => greeting() + "${'x'.repeat(5000)}";\n`,
    );
    writeFileSync(
      join(dir, 'entry.js'),
      "import { greeting } from './shared.js';\n" +
        'export const handler = async (path) => (path === "/" ? greeting() : (await import("./lazy.js")).heavy());\n',
    );
    await build({
      entryPoints: { index: join(dir, 'entry.js') },
      absWorkingDir: dir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir: join(dir, 'out'),
      chunkNames: 'chunks/[name]-[hash]',
      entryNames: '[name]',
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the entry and its static chunks as eager, the import() target as lazy', async () => {
    const footprint = await lambdaFootprint('out/index.js', dir);
    const eager = footprint.eager.map((f) => f.file).sort();
    expect(eager).toHaveLength(2);
    expect(eager[0]).toMatch(/^out\/chunks\/chunk-\w+\.js$/);
    expect(eager[1]).toBe('out/index.js');
    expect(footprint.lazy.map((f) => f.file)).toEqual([expect.stringMatching(/^out\/chunks\/lazy-\w+\.js$/)]);
    for (const file of [...footprint.eager, ...footprint.lazy]) {
      expect(file.minifiedBytes).toBeGreaterThan(0);
      expect(file.minifiedBytes).toBeLessThanOrEqual(file.bytes);
    }
    expect(footprint.lazy[0]?.minifiedBytes).toBeGreaterThan(5000);
  });

  it('follows static edges transitively, skips dynamic and external ones, survives cycles', () => {
    const inputs = {
      a: {
        bytes: 1,
        imports: [
          { path: 'b', kind: 'import-statement' },
          { path: 'lazy', kind: 'dynamic-import' },
          { path: 'pg', kind: 'import-statement', external: true },
        ],
      },
      b: { bytes: 1, imports: [{ path: 'c', kind: 'import-statement' }] },
      c: { bytes: 1, imports: [{ path: 'a', kind: 'import-statement' }] },
      lazy: { bytes: 1, imports: [] },
    };
    expect(staticClosure(inputs, 'a').sort()).toEqual(['a', 'b', 'c']);
  });
});
