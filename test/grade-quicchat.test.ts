import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { materialize } from './fixtures/submissions/materialize.mjs';
import { describeDocker, leftovers } from './helpers/lab-cli.js';
import { gradeWholeAndSubset, guideSubset } from './helpers/guide-subset.js';

const TOPOLOGY = 'topologies/grading/quicchat.yaml';
const FIXTURES = join(resolve(import.meta.dirname), 'fixtures', 'submissions', 'quicchat');

/** What each fixture deserves, of 20, and the one scenario each variant fails (test/fixtures/submissions/quicchat/README.md). */
const EXPECTED: Record<string, { score: number; fails?: string }> = {
  correct: { score: 20 },
  'no-inactive-notice': { score: 17, fails: 'one-to-many with one inactive target' },
  'no-retry-limit': { score: 18, fails: 'three wrong passwords end the connection' },
  'no-sender-echo': { score: 17, fails: 'broadcast reaches everyone, the sender too' },
  'no-version-check': { score: 18, fails: 'a client offering only an unknown version is refused' },
};

const SUBMISSIONS = mkdtempSync(join(tmpdir(), 'netlab-grade-quicchat-'));
const names = materialize(FIXTURES, SUBMISSIONS) as string[];

it('the quicchat fixtures make one standalone folder per expected submission', () => {
  expect(names).toEqual(Object.keys(EXPECTED).sort());
});

describeDocker('lab grade quicchat (docker, sandboxed, Node submissions with @matrixai/quic)', () => {
  // correct on the whole guide (20 points); each variant on the login and the scenarios the
  // variants break (timeouts not retried), where it must lose exactly its own scenario: the
  // whole class on the whole guide took close to three minutes of CI.
  it('each student-style submission gets exactly the points it deserves, losing only the scenario it breaks', async () => {
    const variants = Object.keys(EXPECTED).filter((n) => EXPECTED[n].fails);
    expect(['correct', ...variants].sort()).toEqual(Object.keys(EXPECTED).sort());
    const subset = guideSubset(TOPOLOGY, (name) => name === 'login' || variants.some((n) => name.includes(EXPECTED[n].fails!)), { noRetry: true });
    try {
      expect(subset.names.length).toBe(1 + variants.length);
      const results = await gradeWholeAndSubset(SUBMISSIONS, TOPOLOGY, subset.file, ['correct'], variants);
      const got = Object.fromEntries(Object.entries(results).map(([n, r]) => [n, { score: r.score, failed: r.tests.filter((t) => t.score < t.max_score).map((t) => t.name) }]));
      // A variant's score of 20 is what it loses on the subset: its own scenario, nothing else.
      const want = Object.fromEntries(
        Object.entries(EXPECTED).map(([n, e]) => [n, { score: e.fails ? subset.points - (20 - e.score) : e.score, failed: e.fails ? [expect.stringContaining(e.fails)] : [] }]),
      );
      expect(got).toEqual(want);
    } finally {
      subset.remove();
    }
    expect(await leftovers('quicchat-grading')).toBe(0);
  }, 1_800_000);
});
