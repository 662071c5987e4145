import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDocker, leftovers, runLabCli } from './helpers/lab-cli.js';
import { materializeChatSubmissions, materializeSubmissions } from './helpers/submissions.js';

const TOPOLOGY = 'topologies/grading/bluetrace.yaml';

/** What each of the project's own fixtures deserves, played as both server and client (test/fixtures/submissions/bluetrace/README.md, first table). */
const EXPECTED: Record<string, number> = {
  correct: 16,
  wording: 16,
  'no-lockout': 15, // lockout (1)
  'short-tempid': 13.5, // the 20-digit TempID (2.5)
  'no-beacon-expiry': 14.5, // contact-log retention (1.5)
  'crash-on-upload': 10, // upload (3) and checking (3)
  'never-exits': 15.5, // exiting after logout (0.5)
  'localhost-server': 16, // binds 127.0.0.1: the loopback policy (warn) rebinds it, and the report says so
  'fork-bomb': 0,
  'endless-output': 0,
  'c-hostile': 0,
};

/** The scenarios a program at the assignment's real timers lost before the lab had a clock step: none now (clock: steps). */
const TIMERS: string[] = [];

/**
 * A class as real students write it (README, second table): the score each gets TODAY, and why. 16 is full marks:
 * they keep the real 15-minute / 3-minute timers, which the clock: steps now test. The README gives the intended
 * score of each.
 */
const CLASS: Record<string, number> = {
  'py-hurried': 16,
  'prompt-gt': 16, // `>username: `
  'prompt-auth': 16, // `[Authentication] Please enter your username: `
  'prompt-enter': 16, // `Enter username:` on its own line
  'prompt-plain': 16, // `Username:`
  'split-newline': 16, // read().split('\n') works on the course's file (no final newline)
  py37: 16,
  'reask-username': 16, // re-asks the username after a wrong password
  'iso-dates': 16, // YYYY-MM-DD in tempIDs.txt
  'tempid-49': 16, // the 20-byte number in decimal
  'three-line-checking': 16, // the sample's three-line layout
  'new-tempid-each-download': 16,
  java: 16, // Scanner input, compiled once, a JVM per node and scenario
  'java-noflush': 16, // System.out.print prompts without flush
  'java-localhost': 16, // the JVM's sockets go through the same shim
  'c-makefile': 16,
  'loopback-server': 16, // binds localhost: rebound by the loopback policy (measured 16)
  'hardcoded-client': 16, // connects to 127.0.0.1: sent to the server by the loopback policy (measured 16)
  'c-hardcoded': 16, // the same in C (measured 16)
  'probe-crash': 16, // would be killed by a connect probe; readiness reads the socket table
  'pandas-import': 16, // python3-pandas is in the grading image
};

// The class as the grader reads it: one standalone folder per submission, the variants
// being their base with their diff applied (test/fixtures/submissions/bluetrace/variants).
const ALL = mkdtempSync(join(tmpdir(), 'netlab-grade-all-'));
const names = materializeSubmissions(ALL);
/** A folder holding only the named submissions, for one `lab grade --submissions` batch. */
function batchOf(which: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-grade-class-'));
  for (const n of which) cpSync(join(ALL, n), join(dir, n), { recursive: true });
  return dir;
}
const SUBMISSIONS = batchOf(Object.keys(EXPECTED));
/** Both classes in one batch, graded once for the two tests below: one batch keeps every job busy to the end (two batches each waited on their slowest). */
const BOTH = batchOf([...Object.keys(EXPECTED), ...Object.keys(CLASS)]);
/** Graded on a grading.packages variant image, by test/grade-packages.test.ts. */
const PACKAGES = ['tabulate-import'];
const scoreOf = (out: string, name: string) => JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8'));

/** The chat class (test/fixtures/submissions/chat/README.md): the score each gets today. */
const CHAT: Record<string, number> = {
  'py-toom': 20,
  'toom-prompts': 20, // `>username: `, re-asks only the password
  'toom-hash-numbers': 16, // wants `#n`; the topology sends the bare number the seed writes: EDT (2) and DLT (2)
  'toom-localhost': 20, // binds 127.0.0.1 as the seed's program does: rebound by the loopback policy (measured 20)
};
const CHAT_CLASS = mkdtempSync(join(tmpdir(), 'netlab-grade-chat-'));
const chatNames = materializeChatSubmissions(CHAT_CLASS);

it('the fixtures make one standalone folder per expected submission', () => {
  expect(names).toEqual([...Object.keys(EXPECTED), ...Object.keys(CLASS), ...PACKAGES].sort());
  expect(chatNames).toEqual(Object.keys(CHAT).sort());
});

describeDocker('lab grade (docker, sandboxed)', () => {
  const out = mkdtempSync(join(tmpdir(), 'netlab-grade-'));
  let batch: ReturnType<typeof runLabCli> | undefined;
  /** The one `lab grade` of both classes, started by whichever test comes first. */
  const gradeBoth = () => (batch ??= runLabCli(['grade', TOPOLOGY, '--submissions', BOTH, '--runtime', 'docker', '--out', out, '--jobs', '4']));

  it('grades a class: each submission gets exactly the points it deserves, hostile ones zero, nothing harmed', async () => {
    const run = await gradeBoth();
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const scores = Object.fromEntries(
      Object.keys(EXPECTED).map((name) => [name, JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')).score]),
    );
    expect(scores).toEqual(EXPECTED);
    // Reasons are written down for a student to read.
    expect(readFileSync(join(out, 'localhost-server', 'report.md'), 'utf8')).toMatch(/\*\*Loopback:\*\* server bound 127\.0\.0\.1:4000 \(TCP\); the lab reached it on /);
    expect(readFileSync(join(out, 'fork-bomb', 'report.md'), 'utf8')).toMatch(/process limit/);
    expect(readFileSync(join(out, 'endless-output', 'report.md'), 'utf8')).toMatch(/output limit/);
    // The memory hog dies before it is ready, out of memory: Docker 20.10 does not always flag the kill as OOMKilled, the engine's oom event says it all the same.
    expect(readFileSync(join(out, 'c-hostile', 'report.md'), 'utf8')).toMatch(/out of memory/);
    // A client's crash is shown in the entry of the scenario it crashed in, and its timeout is not retried: the crash, not the load, is why.
    const crash = readFileSync(join(out, 'crash-on-upload', 'report.md'), 'utf8');
    expect(crash).toMatch(/## Upload\\_contact\\_log sends the contact log \(both\): 0 \/ 3\n\n\*\*Why:\*\*\n\n```text\n[^`]+```\n\n\*\*phone1 ended during this scenario \(code 1\) with this traceback:\*\*\n\n```text\nTraceback \(most recent call last\):\n[^`]*FileNotFoundError: [^`]*'contact_log\.txt'\n```/);
    expect(crash).not.toMatch(/graded again/);
    // Gradescope's format, junit and the class summary.
    const gs = JSON.parse(readFileSync(join(out, 'no-lockout', 'results.json'), 'utf8'));
    expect(gs).toMatchObject({ score: 15, execution_time: expect.any(Number) });
    expect(gs.tests[1]).toMatchObject({ name: 'lockout after 3 failures, from any IP, lifted after block_duration', score: 0, max_score: 1, status: 'failed' });
    expect(existsSync(join(out, 'no-lockout', 'junit.xml'))).toBe(true);
    expect(readFileSync(join(out, 'summary.csv'), 'utf8')).toMatch(/^correct,0\.5,1,1,2\.5,3,3,2,1\.5,1\.5,0,16,0$/m);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| no-lockout |');
    // The wire evidence is kept: the run's capture, and its sequence diagrams in the report.
    const correct = readFileSync(join(out, 'correct', 'report.md'), 'utf8');
    const wire = /^## On the wire \(both; (runs\/[^)]+\/capture\.pcap)\)$/m.exec(correct);
    expect(wire, 'report.md has an "On the wire" section').not.toBeNull();
    expect(statSync(join(out, 'correct', wire![1]!)).size).toBeGreaterThan(1000);
    expect(correct).toMatch(/phone\d-\)phone\d: .*Beacon \d{20}/);
    // Each scenario's folder is kept apart (isolation: scenario).
    expect(existsSync(join(out, 'correct', dirname(wire![1]!), 'nodes', 'server', 'files-after', 'scenario-1', 'credentials.txt'))).toBe(true);
    expect(await leftovers('bluetrace-grading')).toBe(0);

    // A second run skips what is graded.
    const again = await runLabCli(['grade', TOPOLOGY, '--submissions', SUBMISSIONS, '--runtime', 'docker', '--out', out]);
    expect(again.stderr).toContain(`${Object.keys(EXPECTED).length} already graded`);
  }, 900_000);

  it('grades a class as real students write it: prompts by meaning, the readings the assignment allows, each score with its reason', async () => {
    const classOut = out;
    const run = await gradeBoth();
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const results = Object.fromEntries(Object.keys(CLASS).map((n) => [n, scoreOf(classOut, n)]));
    expect(Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.score]))).toEqual(CLASS);
    // Full marks means nothing lost, the two expiry scenarios included (clock: steps at the real timers).
    for (const [n, r] of Object.entries(results)) {
      if (CLASS[n] !== 16) continue;
      const lost = r.tests.filter((t: { score: number; max_score: number }) => t.score < t.max_score).map((t: { name: string }) => t.name);
      expect(lost, n).toEqual(TIMERS);
    }
    // The loopback ones are graded normally, and the report says what was rewritten.
    const report = (n: string) => readFileSync(join(classOut, n, 'report.md'), 'utf8');
    expect(report('loopback-server')).toMatch(/\*\*Loopback:\*\* server bound 127\.0\.0\.1:4000/);
    expect(report('hardcoded-client')).toMatch(/phone1 sent to 127\.0\.0\.1:4000 \(TCP, connect\); the lab delivered it to the server/);
    expect(report('c-hardcoded')).toMatch(/phone1 sent to 127\.0\.0\.1:4000/);
    // The JVM's sockets go through the same shim: bound to localhost, connecting to a hard-coded 127.0.0.1.
    expect(report('java-localhost')).toMatch(/server bound 127\.0\.0\.1:4000 \(TCP\); the lab reached it on [\d.]+:4000/);
    expect(report('java-localhost')).toMatch(/phone1 sent to 127\.0\.0\.1:4000 \(TCP, connect\); the lab delivered it to the server/);
    expect(report('java-localhost')).toMatch(/phone1 bound 127\.0\.0\.1:5000 \(UDP\)/);
    expect(await leftovers('bluetrace-grading')).toBe(0);
  }, 3_600_000);

  it('grades a chat class by the seed: prompts by meaning, bare message numbers, ATU before UPD; the same scores with scenarios in two labs at once', async () => {
    const chatOut = mkdtempSync(join(tmpdir(), 'netlab-grade-chat-out-'));
    const run = await runLabCli(['grade', 'topologies/grading/chat.yaml', '--submissions', CHAT_CLASS, '--runtime', 'docker', '--out', chatOut, '--jobs', '2', '--scenario-labs', '2']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const results = Object.fromEntries(Object.keys(CHAT).map((n) => [n, scoreOf(chatOut, n)]));
    expect(Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.score]))).toEqual(CHAT);
    const lost = results['toom-hash-numbers'].tests.filter((t: { score: number; max_score: number }) => t.score < t.max_score).map((t: { name: string }) => t.name);
    expect(lost).toEqual(['EDT by the author only', 'DLT by the author only']);
    expect(readFileSync(join(chatOut, 'toom-localhost', 'report.md'), 'utf8')).toMatch(/\*\*Loopback:\*\* server bound 127\.0\.0\.1:6000/);
    expect(await leftovers('chat-grading')).toBe(0);
  }, 900_000);

  it("a submission's server against the reference clients, and its client against the reference server, each role's scenarios in two labs", async () => {
    const run = await runLabCli(['grade', TOPOLOGY, '--submission', join(SUBMISSIONS, 'correct'), '--as', 'server,client', '--runtime', 'docker', '--out', join(out, 'roles'), '--scenario-labs', '2']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    // Two labs per role, each with its own run folder and its own wire section in the report.
    expect(readdirSync(join(out, 'roles', 'correct', 'runs'))).toHaveLength(4);
    expect(readFileSync(join(out, 'roles', 'correct', 'report.md'), 'utf8').match(/^## On the wire \((server|client); runs\/[^)]+\)$/gm)).toHaveLength(4);
    const gs = JSON.parse(readFileSync(join(out, 'roles', 'correct', 'results.json'), 'utf8'));
    expect(gs.score).toBe(32);
    expect(gs.tests.map((t: { name: string }) => t.name)).toContain('server: Download_tempID');
    expect(gs.tests.map((t: { name: string }) => t.name)).toContain('client: Download_tempID');
  });
});
