import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runLabCli } from './helpers/lab-cli.js';

// A submission slowed down once, as a busy grading machine slows a correct program: the
// first time it ever runs it answers after 5 s (past the step's 2 s), afterwards at once;
// it leaves on "quit" without the goodbye the topology wants.
// The marker is a file outside the lab, so this runs on the local runtime.
it('a scenario that timed out is graded again on a fresh lab; a pass counts, other failures stand', async () => {
  const root = mkdtempSync(join(tmpdir(), 'netlab-retry-'));
  const marker = join(root, 'ran-once');
  const sub = join(root, 'class', 'slow-once');
  mkdirSync(sub, { recursive: true });
  writeFileSync(
    join(sub, 'server.py'),
    [
      'import os, sys, time',
      `MARK = ${JSON.stringify(marker)}`,
      'first = not os.path.exists(MARK)',
      'open(MARK, "a").close()',
      'print("ready", flush=True)',
      'for line in sys.stdin:',
      '    if line.strip() == "quit":',
      '        sys.exit(0)',
      '    if first:',
      '        time.sleep(5)',
      '    print("answer", flush=True)',
      '',
    ].join('\n'),
  );
  const out = join(root, 'out');
  const run = await runLabCli(['grade', 'test/fixtures/grading-retry.yaml', '--submission', sub, '--runtime', 'local', '--unsafe-local', '--out', out]);
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  expect(existsSync(marker)).toBe(true);
  const g = JSON.parse(readFileSync(join(out, 'slow-once', 'grade.json'), 'utf8'));
  const by = Object.fromEntries(g.scenarios.map((s: { name: string }) => [s.name, s]));
  expect(by['answers in time']).toMatchObject({ status: 'passed', points: 2, retried: { attempts: 2, firstFailure: expect.stringMatching(/did not print \/\^answer\/ within 2\.0s/) } });
  expect(by['never answers']).toMatchObject({ status: 'failed', points: 0, retried: { attempts: 3 }, failure: { timedOut: true } });
  // On a fresh server of its own (isolation: scenario) it fails by exiting, at once: not a timeout, not graded again.
  expect(by['says goodbye']).toMatchObject({ status: 'failed', failure: { message: expect.stringMatching(/exited \(code 0\) before printing/) } });
  expect(by['says goodbye'].retried).toBeUndefined();
  expect(by['says goodbye'].failure.timedOut).toBeUndefined();
  expect(g.score).toBe(2);
  const report = readFileSync(join(out, 'slow-once', 'report.md'), 'utf8');
  expect(report).toMatch(/\*\*Unsandboxed:\*\* graded with `--unsafe-local`/);
  expect(report).toMatch(/answers in time \(both\) was graded again on a fresh lab after its first attempt timed out, and passed/);
});
