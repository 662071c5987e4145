import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShard, shardOf, ShardError } from './shard.js';

describe('shards of a class', () => {
  it('partition any class exactly: every name in one share, none twice, sizes within one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 400 }), fc.integer({ min: 1, max: 40 }), (names, count) => {
        const shares = Array.from({ length: count }, (_, i) => shardOf(names, { index: i + 1, count }));
        const all = shares.flat();
        expect(all.length).toBe(names.length);
        expect(new Set(all)).toEqual(new Set(names));
        const sizes = shares.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('are stable: the same share whatever order the folder lists names in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 9 }), (names, count) => {
        const shuffled = [...names].reverse();
        for (let i = 1; i <= count; i++) expect(shardOf(shuffled, { index: i, count })).toEqual(shardOf(names, { index: i, count }));
      }),
    );
  });

  it('parse i/N and refuse what is not one', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '-1/2', '1/3/4']) expect(() => parseShard(bad)).toThrow(ShardError);
  });
});
