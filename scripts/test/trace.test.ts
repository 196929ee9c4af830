import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTitles, parseCatalogue, trace, traceRepository } from '../trace.ts';

const root = path.resolve(import.meta.dirname, '../..');
// Sample test names live in a text file: written here, the trace would count them as real proofs.
const sample = readFileSync(path.join(import.meta.dirname, 'fixtures/titles.txt'), 'utf8');

describe('requirement traceability', () => {
  it('reads the ids of the catalogue in order', () => {
    expect(parseCatalogue('# x\n- **SVC-1** one\n- **SVC-2** two\n- SVC-3 not an entry\n')).toEqual([
      'SVC-1',
      'SVC-2',
    ]);
  });

  it('finds test names that start with one or several ids, whatever the quote', () => {
    const titles = extractTitles(sample, 'x.test.ts');
    expect(titles.map((title) => [title.ids, title.line])).toEqual([
      [['SVC-3'], 1],
      [['DNS-1', 'DNS-2'], 2],
      [['SCALE-2', 'SCALE-3'], 3],
      [['SVC-1'], 5],
      [['SVX-9'], 6],
    ]);
  });

  it('lists unproven ids and flags ids the catalogue does not know', () => {
    const catalogue = ['SVC-1', 'SVC-2', 'SVC-3', 'DNS-1', 'DNS-2', 'SCALE-2', 'SCALE-3'];
    const result = trace(catalogue, extractTitles(sample, 'a.test.ts'));
    expect(result.proofs.get('SVC-1')).toHaveLength(1);
    expect(result.proofs.get('SVC-3')?.[0]?.title).toBe('SVC-3: rejects a 2 MB body with 413');
    expect(result.unproven).toEqual(['SVC-2']);
    expect(result.unknown.map((title) => title.ids)).toEqual([['SVX-9']]);
  });

  it('the catalogue carries every id of the founding requirements, and no test names an unknown id', () => {
    const result = traceRepository(root);
    expect(result.catalogue).toHaveLength(66);
    expect(new Set(result.catalogue).size).toBe(66);
    expect(result.unknown).toEqual([]);
  });
});
