import { describe, expect, it } from 'vitest';
import type { TokenHit } from '../domain/exposure.js';
import type { StatusToken } from '../domain/status-request.js';
import { LookupBatcher } from './lookup-batcher.js';

const tok = (payload: string, time: number): StatusToken => ({ payload, time }) as StatusToken;

/** A fake database: a hit for every token whose payload starts with "hit", as the SQL indexes them. */
function fakeDb() {
  const queries: number[] = [];
  const run = async (tokens: readonly StatusToken[]): Promise<TokenHit[]> => {
    queries.push(tokens.length);
    return tokens.flatMap((t, index) => (t.payload.startsWith('hit') ? [{ index, time: t.time, riskLevel: 2, exposures: 1, threshold: 1 }] : []));
  };
  return { queries, run };
}

describe('LookupBatcher', () => {
  it('sends lookups made at the same moment as one query and gives each caller its own hits, at its own indexes', async () => {
    const db = fakeDb();
    const b = new LookupBatcher(db.run);
    const [a, c, d] = await Promise.all([
      b.lookup([tok('miss', 1), tok('hit-a', 2)]),
      b.lookup([tok('hit-c0', 3), tok('miss', 4), tok('hit-c2', 5)]),
      b.lookup([tok('miss', 6)]),
    ]);
    expect(db.queries).toEqual([6]);
    expect(a.map((h) => [h.index, h.time])).toEqual([[1, 2]]);
    expect(c.map((h) => [h.index, h.time])).toEqual([
      [0, 3],
      [2, 5],
    ]);
    expect(d).toEqual([]);
  });

  it('splits a large moment into queries of at most 2,000 tokens, and answers an empty request without a query', async () => {
    const db = fakeDb();
    const b = new LookupBatcher(db.run);
    const big = Array.from({ length: 1500 }, (_, i) => tok(i % 2 ? 'hit' : 'miss', i));
    const res = await Promise.all([b.lookup(big), b.lookup(big), b.lookup([]), b.lookup(big)]);
    expect(db.queries).toEqual([1500, 1500, 1500]);
    for (const r of [res[0], res[1], res[3]]) expect(r.map((h) => h.index)).toEqual(big.flatMap((t, i) => (t.payload === 'hit' ? [i] : [])));
    expect(res[2]).toEqual([]);
  });

  it('fails every caller of a query that failed, and the next moment queries afresh', async () => {
    let fail = true;
    const b = new LookupBatcher(async (tokens) => {
      if (fail) throw new Error('connection lost');
      return tokens.map((t, index) => ({ index, time: t.time, riskLevel: 1, exposures: 1, threshold: 1 }));
    });
    const both = await Promise.allSettled([b.lookup([tok('x', 1)]), b.lookup([tok('y', 2)])]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await b.lookup([tok('z', 3)])).map((h) => h.time)).toEqual([3]);
  });
});
