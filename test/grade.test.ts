import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDocker, leftovers, runLabCli } from './helpers/lab-cli.js';
import { materializeSubmissions } from './helpers/submissions.js';

const TOPOLOGY = 'topologies/grading/bluetrace.yaml';

/** What each fixture deserves, played as both server and client (test/fixtures/submissions/bluetrace/README.md). */
const EXPECTED: Record<string, number> = {
  correct: 16,
  wording: 16,
  'no-lockout': 15, // lockout (1)
  'short-tempid': 13.5, // the 20-digit TempID (2.5)
  'no-beacon-expiry': 14.5, // contact-log retention (1.5)
  'crash-on-upload': 10, // upload (3) and checking (3)
  'never-exits': 15.5, // exiting after logout (0.5)
  'localhost-server': 0,
  'fork-bomb': 0,
  'endless-output': 0,
  'c-hostile': 0,
};

// The class as the grader reads it: one standalone folder per submission, the variants
// being `correct` with their diff applied (test/fixtures/submissions/bluetrace/variants).
const SUBMISSIONS = mkdtempSync(join(tmpdir(), 'netlab-grade-class-'));
const names = materializeSubmissions(SUBMISSIONS);

it('the fixtures make one standalone folder per expected submission', () => {
  expect(names).toEqual(Object.keys(EXPECTED).sort());
});

describeDocker('lab grade (docker, sandboxed)', () => {
  const out = mkdtempSync(join(tmpdir(), 'netlab-grade-'));

  it('grades a class: each submission gets exactly the points it deserves, hostile ones zero, nothing harmed', async () => {
    const run = await runLabCli(['grade', TOPOLOGY, '--submissions', SUBMISSIONS, '--out', out, '--jobs', '2']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const scores = Object.fromEntries(
      Object.keys(EXPECTED).map((name) => [name, JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')).score]),
    );
    expect(scores).toEqual(EXPECTED);
    // Reasons are written down for a student to read.
    expect(readFileSync(join(out, 'localhost-server', 'report.md'), 'utf8')).toMatch(/listens on 127\.0\.0\.1:4000 only/);
    expect(readFileSync(join(out, 'fork-bomb', 'report.md'), 'utf8')).toMatch(/process limit/);
    expect(readFileSync(join(out, 'endless-output', 'report.md'), 'utf8')).toMatch(/output limit/);
    expect(readFileSync(join(out, 'c-hostile', 'report.md'), 'utf8')).toMatch(/out of memory|not ready/);
    // Gradescope's format, junit and the class summary.
    const gs = JSON.parse(readFileSync(join(out, 'no-lockout', 'results.json'), 'utf8'));
    expect(gs).toMatchObject({ score: 15, execution_time: expect.any(Number) });
    expect(gs.tests[1]).toMatchObject({ name: 'lockout after 3 failures, from any IP, lifted after block_duration', score: 0, max_score: 1, status: 'failed' });
    expect(existsSync(join(out, 'no-lockout', 'junit.xml'))).toBe(true);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toMatch(/^correct,0\.5,1,1,2\.5,3,3,2,1\.5,1\.5,0,16,0$/m);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| no-lockout |');
    expect(await leftovers('bluetrace-grading')).toBe(0);

    // A second run skips what is graded.
    const again = await runLabCli(['grade', TOPOLOGY, '--submissions', SUBMISSIONS, '--out', out]);
    expect(again.stderr).toContain('11 already graded');
  }, 900_000);

  it("a submission's server against the reference clients, and its client against the reference server", async () => {
    const run = await runLabCli(['grade', TOPOLOGY, '--submission', join(SUBMISSIONS, 'correct'), '--as', 'server,client', '--out', join(out, 'roles')]);
    expect(run.code).toBe(0);
    const gs = JSON.parse(readFileSync(join(out, 'roles', 'correct', 'results.json'), 'utf8'));
    expect(gs.score).toBe(32);
    expect(gs.tests.map((t: { name: string }) => t.name)).toContain('server: Download_tempID');
    expect(gs.tests.map((t: { name: string }) => t.name)).toContain('client: Download_tempID');
  });
});
