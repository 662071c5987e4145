import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectSubmission, SubmissionError, withBuild } from './detect-submission.js';
import { parseListening } from './diagnose-listening.js';
import { summaryCsv } from '../report/class-summary.js';
import { gradescopeResults } from '../report/gradescope-results.js';
import type { SubmissionGrade } from './grade-submission.js';

function folder(files: string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'netlab-sub-'));
  for (const f of files) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), '');
  }
  return d;
}

describe('detectSubmission', () => {
  it('knows Python, Java, make and node submissions by their files', () => {
    expect(detectSubmission(folder(['server.py', 'client.py']))).toMatchObject({ language: 'python', server: ['python3', '-u', 'server.py'] });
    expect(detectSubmission(folder(['Server.java', 'Client.java']))).toMatchObject({ language: 'java', build: 'javac -d . *.java', client: ['java', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', '.', 'Client'] });
    expect(detectSubmission(folder(['Makefile', 'server.c']))).toMatchObject({ language: 'make', server: ['stdbuf', '-o0', '-e0', './server'] });
    expect(detectSubmission(folder(['server.js']))).toMatchObject({ language: 'node', client: undefined });
  });
  it('says what it expected when it cannot tell', () => {
    expect(() => detectSubmission(folder(['main.rs']))).toThrow(SubmissionError);
    expect(() => detectSubmission(folder(['main.rs']))).toThrow(/server\.py\/client\.py/);
  });
  it('wraps a build so a failed one ends the node with the compiler output', () => {
    const argv = withBuild('make', ['./server', '4000']);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toContain('make > .netlab-build.log');
    expect(argv[2]).toMatch(/^\[ -e \.netlab-built \] \|\| \{ make > /); // a finished build is not run again
    expect(argv.slice(-2)).toEqual(['./server', '4000']);
  });
});

describe('parseListening', () => {
  it('reads listening sockets from /proc/net/tcp and tcp6', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0FA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1',
      '   1: 0B00007F:8979 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1',
      '   2: 0A4D320A:0FA0 0B4D320A:C350 01 00000000:00000000 00:00000000 00000000  1000        0 3 1',
      '   0: 00000000000000000000000000000000:1388 00000000000000000000000000000000:0000 0A 0 0 0 0 0 4 1',
    ].join('\n');
    expect(parseListening(text)).toEqual([
      { ip: '127.0.0.1', port: 4000 },
      { ip: '127.0.0.11', port: 35193 },
      { ip: '::', port: 5000 },
    ]);
  });
});

describe('reports', () => {
  const g: SubmissionGrade = {
    submission: 'alice',
    dir: '/x/alice',
    roles: ['both'],
    score: 1,
    max: 3,
    ms: 12_300,
    runs: [{ role: 'both' }],
    scenarios: [
      { name: 'login, "quoted"', role: 'both', status: 'passed', ms: 1, points: 1, maxPoints: 1, steps: [] },
      { name: 'lockout', role: 'both', status: 'failed', ms: 1, points: 0, maxPoints: 2, steps: [], failure: { step: '3', description: 'expect', message: 'no match', stepsLeft: [] } },
    ],
  };
  it("writes Gradescope's results.json fields", () => {
    expect(gradescopeResults(g)).toMatchObject({
      score: 1,
      execution_time: 12,
      tests: [
        { name: 'login, "quoted"', score: 1, max_score: 1, status: 'passed' },
        { name: 'lockout', score: 0, max_score: 2, status: 'failed', output: expect.stringContaining('no match') },
      ],
    });
  });
  it('quotes CSV cells that need it', () => {
    expect(summaryCsv([g])).toBe('submission,"login, ""quoted""",lockout,total,failures\nalice,1,0,1,1\n');
  });
});
