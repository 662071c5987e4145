// The TAC-Warning store against both databases: PGlite always, a real PostgreSQL when one
// answers (required under CI). The same tests, the same SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exposure } from '../src/apps/tacw/domain/exposure.js';
import { visitToken } from '../src/apps/tacw/domain/visit-token.js';
import type { ExposureStore } from '../src/apps/tacw/storage/exposure-store.js';
import { openStore } from '../src/apps/tacw/storage/open-store.js';
import { scratchDatabase, type ScratchDatabase } from './tacw-database.js';

const UUID = 'd6d7f0a2-5c3e-4c7b-9a41-2b8e6f0c9d13';
const OTHER = '0b5d1c1e-3f0a-4e55-9b1c-7c2f0e6a9d01';
const exp = (o: Partial<Exposure> = {}): Exposure => ({ uuid: UUID, start: 10_000, end: 20_000, exposures: 1, threshold: 2, riskLevel: 4, expiresAt: 50_000, ...o });

function storeTests(name: string, open: () => Promise<ExposureStore | undefined>): void {
  describe(name, () => {
    let store: ExposureStore | undefined;
    beforeAll(async () => {
      store = await open();
    }, 120_000);
    afterAll(async () => {
      await store?.close();
    });
    const s = (): ExposureStore => {
      if (!store) throw new Error('no store');
      return store;
    };

    it('stores max_salt tokens per exposure, hashed in SQL exactly as visitToken()', async (ctx) => {
      if (!store) return ctx.skip();
      expect(await s().recordReport('jti-1', 99_999, [exp()], 1000)).toBe('stored');
      expect((await s().stats()).exposedTokens).toBe(1000);
      const hits = await s().lookup([
        { payload: visitToken(971, UUID), time: 15_000 },
        { payload: visitToken(1000, UUID), time: 15_000 },
        { payload: visitToken(1001, UUID), time: 15_000 },
        { payload: visitToken(1, OTHER), time: 15_000 },
      ]);
      expect(hits.map((h) => h.index).sort()).toEqual([0, 1]);
      expect(hits[0]).toMatchObject({ time: 15_000, riskLevel: 4, exposures: 1, threshold: 2 });
    });

    it('answers lookups made at once (one query for them all) exactly as one at a time', async (ctx) => {
      if (!store) return ctx.skip();
      const asks = [
        [{ payload: visitToken(1, OTHER), time: 15_000 }, { payload: visitToken(2, UUID), time: 15_000 }],
        [{ payload: visitToken(3, UUID), time: 9_000 }],
        [{ payload: visitToken(4, UUID), time: 10_000 }, { payload: visitToken(9, OTHER), time: 1 }, { payload: visitToken(5, UUID), time: 20_000 }],
      ];
      const together = await Promise.all(asks.map((a) => s().lookup(a)));
      const alone: Awaited<ReturnType<ExposureStore['lookup']>>[] = [];
      for (const a of asks) alone.push(await s().lookup(a));
      expect(together).toEqual(alone);
      expect(together.map((h) => h.map((x) => x.index).sort())).toEqual([[1], [], [0, 2]]);
    });

    it('matches a visit time inside the interval, edges included, and nothing outside', async (ctx) => {
      if (!store) return ctx.skip();
      const p = visitToken(5, UUID);
      const hits = await s().lookup([9_999, 10_000, 20_000, 20_001].map((time) => ({ payload: p, time })));
      expect(hits.map((h) => h.time).sort()).toEqual([10_000, 20_000]);
    });

    it('counts a second positive in the same interval, and in an overlapping one', async (ctx) => {
      if (!store) return ctx.skip();
      await s().recordReport('jti-2', 99_999, [exp()], 1000);
      await s().recordReport('jti-3', 99_999, [exp({ start: 18_000, end: 30_000 })], 1000);
      expect((await s().stats()).exposedTokens).toBe(2000);
      const p = visitToken(7, UUID);
      const hits = await s().lookup([
        { payload: p, time: 15_000 },
        { payload: p, time: 19_000 },
        { payload: p, time: 25_000 },
      ]);
      expect(hits.map((h) => [h.time, h.exposures]).sort((a, b) => a[0]! - b[0]!)).toEqual([
        [15_000, 2],
        [19_000, 3],
        [25_000, 1],
      ]);
    });

    it('refuses a replayed JWT and stores nothing', async (ctx) => {
      if (!store) return ctx.skip();
      const before = await s().stats();
      expect(await s().recordReport('jti-1', 99_999, [exp({ uuid: OTHER })], 1000)).toBe('replayed');
      expect(await s().stats()).toEqual(before);
    });

    it('keeps ten concurrent reports apart and counts each', async (ctx) => {
      if (!store) return ctx.skip();
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => s().recordReport(`c-${i % 5}`, 99_999, [exp({ uuid: OTHER, start: 1, end: 2 })], 10)));
      expect(outcomes.filter((o) => o === 'stored')).toHaveLength(5);
      expect((await s().lookup([{ payload: visitToken(3, OTHER), time: 1 }]))[0]!.exposures).toBe(5);
    });

    it('purges expired visits and used codes, keeps the rest', async (ctx) => {
      if (!store) return ctx.skip();
      await s().recordReport('jti-late', 200_000, [exp({ uuid: OTHER, start: 100, end: 200, expiresAt: 200_000 })], 10);
      const r = await s().purge(100_000);
      expect(r.visits).toBe(2000 + 10);
      expect(r.codes).toBe(3 + 5);
      expect(await s().stats()).toEqual({ exposedTokens: 10, usedCodes: 1 });
      expect(await s().lookup([{ payload: visitToken(971, UUID), time: 15_000 }])).toEqual([]);
    });
  });
}

storeTests('PGlite store (in memory)', () => openStore({}));

let scratch: ScratchDatabase | undefined;
afterAll(async () => {
  await scratch?.drop();
});
storeTests('PostgreSQL store', async () => {
  scratch = await scratchDatabase();
  if (!scratch) return undefined;
  const first = await openStore({ databaseUrl: scratch.url });
  await first.close();
  return openStore({ databaseUrl: scratch.url }); // a second open finds the schema migrated
});
