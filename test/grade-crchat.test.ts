import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { materialize } from './fixtures/submissions/materialize.mjs';
import { describeDocker, leftovers, runLabCli } from './helpers/lab-cli.js';

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

describeDocker('lab grade crchat (docker, sandboxed)', () => {
  it('each student-style submission gets exactly the points it deserves', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netlab-grade-crchat-out-'));
    const run = await runLabCli(['grade', TOPOLOGY, '--submissions', SUBMISSIONS, '--out', out, '--jobs', '2', '--runtime', 'docker']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const scores = Object.fromEntries(
      Object.keys(EXPECTED).map((name) => [name, JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')).score]),
    );
    expect(scores).toEqual(EXPECTED);
    const gs = JSON.parse(readFileSync(join(out, 'no-auth-fail', 'results.json'), 'utf8'));
    expect(gs.tests.find((t: { name: string }) => t.name.includes('wrong secret key'))).toMatchObject({ score: 0, max_score: 5, status: 'failed' });
    expect(await leftovers('crchat-grading')).toBe(0);
  }, 1_800_000);
});
