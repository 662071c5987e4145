import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { materialize } from './fixtures/submissions/materialize.mjs';
import { describeDocker, leftovers } from './helpers/lab-cli.js';
import { gradeWholeAndSubset, guideSubset } from './helpers/guide-subset.js';

const TOPOLOGY = 'topologies/grading/crchat.yaml';
const FIXTURES = join(resolve(import.meta.dirname), 'fixtures', 'submissions', 'crchat');

/** What each fixture deserves, of 60 (test/fixtures/submissions/crchat/README.md). */
const EXPECTED: Record<string, number> = {
  correct: 60,
  wording: 60,
  'no-auth-fail': 55, // wrong key refused (5)
  'no-busy-check': 55, // C asks for busy B (5)
  'no-end-notif': 50, // End chat by A (5), B ends the chat (5)
  'no-history': 55, // history recall (5)
};

const SUBMISSIONS = mkdtempSync(join(tmpdir(), 'netlab-grade-crchat-'));
const names = materialize(FIXTURES, SUBMISSIONS) as string[];

it('the crchat fixtures make one standalone folder per expected submission', () => {
  expect(names).toEqual(Object.keys(EXPECTED).sort());
});

/** The scenarios each variant breaks (README.md), and the first log-on, where every variant must pass. */
const BREAKS: Record<string, string[]> = {
  'no-auth-fail': ['wrong secret key'],
  'no-busy-check': ['C asks for B'],
  'no-end-notif': ['A types End chat', 'B ends the chat'],
  'no-history': ['History recall'],
};
const FIRST = 'connection: A logs on and is Connected';

describeDocker('lab grade crchat (docker, sandboxed)', () => {
  // correct and wording on the whole guide (60 points); each variant on the first log-on
  // and the scenarios the variants break (a six-scenario guide, timeouts not retried), where
  // it must lose exactly its own: the whole class on the whole guide took three minutes of CI.
  it('each student-style submission gets exactly the points it deserves', async () => {
    const full = ['correct', 'wording'];
    const variants = Object.keys(BREAKS);
    expect([...full, ...variants].sort()).toEqual(Object.keys(EXPECTED).sort());
    const subset = guideSubset(TOPOLOGY, (name) => name === FIRST || Object.values(BREAKS).flat().some((b) => name.includes(b)), { noRetry: true });
    try {
      expect(subset.names.length).toBe(6);
      const results = await gradeWholeAndSubset(SUBMISSIONS, TOPOLOGY, subset.file, full, variants);
      for (const n of full) expect(results[n].score, n).toBe(EXPECTED[n]);
      for (const n of variants) {
        const r = results[n];
        // What it deserves of 60 is what it loses here: its own scenarios, nothing else.
        expect(r.score, n).toBe(subset.points - (60 - EXPECTED[n]));
        const failed = r.tests.filter((t) => t.score < t.max_score).map((t) => t.name);
        expect(failed.length, `${n}: ${failed.join('; ')}`).toBe(BREAKS[n].length);
        for (const b of BREAKS[n]) expect(failed.some((f) => f.includes(b)), `${n} fails ${b}`).toBe(true);
      }
      expect(results['no-auth-fail'].tests.find((t) => t.name.includes('wrong secret key'))).toMatchObject({ score: 0, max_score: 5, status: 'failed' });
    } finally {
      subset.remove();
    }
    expect(await leftovers('crchat-grading')).toBe(0);
  }, 1_800_000);
});
