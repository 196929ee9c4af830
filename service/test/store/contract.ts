import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Store } from '../../src/store/store.ts';
import { postJson, servedBy } from '../support/app.ts';

/** Documents whose exact text must survive a round trip: what `jsonb` or a re-serialisation would break. */
export const exactDocuments: Record<string, string> = {
  'SQL injection strings': `{"q":"'; DROP TABLE records; --","r":"\\" OR 1=1 --","s":"$1::text); DELETE FROM records; --"}`,
  '4-byte unicode, raw and escaped': '{"emoji":"😀𝄞🀄","escaped":"\\ud83d\\ude00","ключ":"значение"}',
  'nested JSON': '{"a":{"b":{"c":[1,{"d":[[],{}]}]}},"e":{"f":null}}',
  'the empty object': '{}',
  'arrays inside': '{"list":[1,"two",null,true,false,{"x":[]},[[1],[2]]]}',
  'numbers at the edges':
    '{"max":1.7976931348623157e308,"big":1e308,"tiny":5e-324,"negzero":-0,"unsafe":9007199254740993,' +
    '"long":123456789012345678901234567890,"exp":1E+2,"frac":0.1000,"neg":-42}',
  'whitespace and key order': '{ "z" :\n\t1 , "a":2,\r\n"m" : [ ] }',
  'duplicate keys': '{"a":1,"a":2}',
  'an escaped NUL': '{"nul":"a\\u0000b"}',
  'escapes of every kind': '{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"}',
};

/** The suite every Store implementation must pass; `store` is opened once by the caller. */
export function storeContract(store: () => Store): void {
  it.each(Object.entries(exactDocuments))('SVC-3: stores %s and returns the exact text', async (_, json) => {
    const id = randomUUID();
    await store().put(id, json);
    expect((await store().get(id))?.json).toBe(json);
  });

  it('SVC-3: a 60 KiB document round-trips exactly', async () => {
    const json = JSON.stringify({ blob: 'é'.repeat(30 * 1024) });
    const id = randomUUID();
    await store().put(id, json);
    expect((await store().get(id))?.json).toBe(json);
  });

  it('SVC-3: 500 concurrent writes are all readable afterwards', async () => {
    const written = Array.from({ length: 500 }, (_, n) => ({ id: randomUUID(), json: `{"n":${n}}` }));
    await Promise.all(written.map(({ id, json }) => store().put(id, json)));
    const read = await Promise.all(written.map(({ id }) => store().get(id)));
    expect(read.map((record) => record?.json)).toEqual(written.map(({ json }) => json));
    const newest = await store().list(100);
    expect(newest).toHaveLength(100);
    expect(new Set(newest.map((record) => record.id)).size).toBe(100);
  });

  it('SVC-3: lists the newest first, at most the limit', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const [n, id] of ids.entries()) await store().put(id, `{"order":${n}}`);
    const newest = await store().list(2);
    expect(newest.map((record) => record.id)).toEqual([ids[2], ids[1]]);
    expect(newest[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('SVC-3: an unknown id is undefined', async () => {
    expect(await store().get(randomUUID())).toBeUndefined();
  });

  it('SVC-10: ping resolves while the database answers', async () => {
    await expect(store().ping()).resolves.toBeUndefined();
  });

  it('SVC-3: over HTTP, every document comes back byte for byte, alone and in the list', async () => {
    const app = createApp({
      settings: { servedBy, faultMode: undefined, failureRate: 0 },
      store: async () => store(),
      log: () => {},
    });
    for (const json of Object.values(exactDocuments)) {
      const created = await app.request('/store', postJson(json));
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect(await (await app.request(`/store/${id}`)).text()).toBe(json);
    }
    const listed = await (await app.request('/store?limit=1')).text();
    expect(listed).toContain(`"data":${Object.values(exactDocuments).at(-1)}}]}`);
    expect(JSON.parse(listed).records).toHaveLength(1);
  });

  it('SVC-3: a document nested 1000 levels deep round-trips exactly', async () => {
    const json = `{"a":${'['.repeat(999)}"\\\\]["${']'.repeat(999)}}`;
    const id = randomUUID();
    await store().put(id, json);
    expect((await store().get(id))?.json).toBe(json);
  });
}
