import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeGrades, MergeError } from './merge-grades.js';
import { SHARD_MANIFEST, shardOf } from './shard.js';

function shardDir(root: string, cls: string[], index: number, count: number, graded = shardOf(cls, { index, count })): string {
  const d = join(root, `part${index}`);
  mkdirSync(d, { recursive: true });
  for (const s of graded) {
    mkdirSync(join(d, s));
    const g = { submission: s, dir: `/x/${s}`, roles: ['server'], score: s.length, max: 10, ms: 1, scenarios: [{ name: 'login', role: 'server', status: 'passed', ms: 1, points: s.length, maxPoints: 10, steps: [] }], runs: [] };
    writeFileSync(join(d, s, 'grade.json'), JSON.stringify(g));
    writeFileSync(join(d, s, 'results.json'), JSON.stringify({ score: s.length }));
  }
  writeFileSync(join(d, SHARD_MANIFEST), JSON.stringify({ shard: { index, count }, class: cls, assigned: shardOf(cls, { index, count }), topology: 't', finishedAt: '' }));
  return d;
}

describe('merging shard outputs', () => {
  const cls = ['alice', 'bob', 'carol', 'dan', 'erin'];

  it('gives the same class as one batch: every submission once, summary and Gradescope export', () => {
    const root = mkdtempSync(join(tmpdir(), 'merge-'));
    const dirs = [1, 2, 3].map((i) => shardDir(root, cls, i, 3));
    const r = mergeGrades(dirs, join(root, 'out'));
    expect(r.grades.map((g) => g.submission)).toEqual(cls);
    expect(r.missing).toEqual([]);
    expect(r.shardsMissing).toEqual([]);
    const csv = readFileSync(join(root, 'out', 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + cls.length);
    expect(csv[1]).toBe('alice,5,5,0');
    expect(Object.keys(JSON.parse(readFileSync(join(root, 'out', 'gradescope.json'), 'utf8')))).toEqual(cls);
    expect(JSON.parse(readFileSync(join(root, 'out', 'carol', 'results.json'), 'utf8'))).toEqual({ score: 5 });
  });

  it('refuses a submission graded by two shards', () => {
    const root = mkdtempSync(join(tmpdir(), 'merge-'));
    const a = shardDir(root, cls, 1, 2, ['alice', 'bob']);
    const b = shardDir(root, cls, 2, 2, ['bob', 'carol']);
    expect(() => mergeGrades([a, b], join(root, 'out'))).toThrow(/"bob" was graded twice/);
  });

  it('reports submissions and shards that are missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'merge-'));
    const a = shardDir(root, cls, 1, 3);
    const c = shardDir(root, cls, 3, 3, ['carol']);
    const r = mergeGrades([a, c], join(root, 'out'));
    expect(r.shardsMissing).toEqual(['2/3']);
    expect(r.missing).toEqual([...shardOf(cls, { index: 2, count: 3 }), ...shardOf(cls, { index: 3, count: 3 }).filter((s) => s !== 'carol')].sort());
    expect(readFileSync(join(root, 'out', 'summary.md'), 'utf8')).toMatch(/Not graded \(missing from every shard\):/);
  });

  it('refuses outputs of different splits', () => {
    const root = mkdtempSync(join(tmpdir(), 'merge-'));
    const a = shardDir(root, cls, 1, 2);
    const b = shardDir(join(root, 'x'), cls, 2, 3);
    expect(() => mergeGrades([a, b], join(root, 'out'))).toThrow(MergeError);
  });
});
