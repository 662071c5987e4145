import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { materialize } from './fixtures/submissions/materialize.mjs';
import { describeDocker, leftovers, runLabCli } from './helpers/lab-cli.js';

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
  it('each student-style submission gets exactly the points it deserves, losing only the scenario it breaks', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netlab-grade-quicchat-out-'));
    const run = await runLabCli(['grade', TOPOLOGY, '--submissions', SUBMISSIONS, '--out', out, '--jobs', '2', '--runtime', 'docker']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const results = Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8'))]));
    const got = Object.fromEntries(
      Object.entries(results).map(([name, r]) => {
        const failed = (r.tests as { name: string; score: number; max_score: number }[]).filter((t) => t.score < t.max_score).map((t) => t.name);
        return [name, { score: r.score, failed }];
      }),
    );
    const want = Object.fromEntries(Object.entries(EXPECTED).map(([name, e]) => [name, { score: e.score, failed: e.fails ? [expect.stringContaining(e.fails)] : [] }]));
    expect(got, readFileSync(join(out, 'summary.md'), 'utf8')).toEqual(want);
    expect(await leftovers('quicchat-grading')).toBe(0);
  }, 1_800_000);
});
