import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from './load-topology.js';
import { planPatterns } from './plan-patterns.js';

const GRADING = resolve(import.meta.dirname, '..', '..', 'topologies', 'grading');

// Issue 16: no shipped grading pattern needs the backtracking engine (V8 in the match pool).
describe('shipped grading patterns', () => {
  const files = readdirSync(GRADING).filter((f) => f.endsWith('.yaml'));
  it('are there to check', () => expect(files.length).toBeGreaterThanOrEqual(4));
  for (const f of files) {
    it(`${f}: every pattern, templates filled, compiles to RE2`, () => {
      const all = planPatterns(loadTopology(join(GRADING, f)));
      expect(all.length).toBeGreaterThan(20);
      const notRe2 = all.filter((p) => p.pattern?.engine !== 're2').map((p) => `${p.where}: ${p.text}${p.error ? ` (${p.error})` : ''}`);
      expect(notRe2).toEqual([]);
    });
  }
});
