import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, ROOT, runDirOf, runLabCli } from '../helpers/lab-cli.js';
import { gradeReport } from '../../src/report/grade-report.js';
import { TRANSCRIPT_LINE } from '../../src/report/transcript.js';
import { fenced, visible } from '../../src/model/visible-text.js';
import type { SubmissionGrade } from '../../src/model/grade-results.js';

// Issue 16, findings 6 and 8: a flood never crashes the controller; reports and transcripts cannot be forged.
describe('a node printing 640 MiB', () => {
  it('does not crash the controller: the step still matches, the overflow is noted, the transcript is capped and unforgeable', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-flood-'));
    const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/flood.yaml'), '--runtime', 'local', '--runs', runs]);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    const dir = runDirOf(run);
    const res = readResults(dir);
    expect(res.status).toBe('passed');
    expect(res.nodes[0].outputDropped).toBeGreaterThan(600 * 1024 * 1024);
    expect(res.nodes[0].transcriptDropped).toBeGreaterThan(500 * 1024 * 1024);
    expect(run.stderr).toMatch(/server printed more than the lab keeps/);
    // The transcript: every line has a marker, no program line passes as typed input, escapes shown.
    const lines = readFileSync(join(dir, 'nodes', 'server', 'transcript.log'), 'utf8').split('\n').filter(Boolean);
    const kinds = lines.map((l) => TRANSCRIPT_LINE.exec(l)?.[1]);
    expect(kinds.every((k) => k !== undefined)).toBe(true);
    expect(kinds.filter((k) => k === 'in >|')).toEqual([]);
    const text = lines.join('\n');
    expect(text).not.toContain('\x1b');
  }, 280_000);
});

describe("the grader's terminal", () => {
  it("shows a program's escape sequences escaped: nothing clears the screen or writes the clipboard", async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-escapes-'));
    const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/escapes.yaml'), '--runtime', 'local', '--runs', runs]);
    expect(run.code).toBe(1); // the second step fails, and shows the node's last output
    expect(run.stderr).toContain('last output of server');
    expect(run.stderr).toContain('ready\\x1b[2J\\x1b]52;c;aGk=\\x07\\x1b[31mred');
    // NO_COLOR is set for the CLI here: any control character left is the program's.
    // eslint-disable-next-line no-control-regex -- the very characters a terminal must not get
    expect(run.stderr + run.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe('reports cannot be forged', () => {
  const forged = 'x\n```\n# forged: 16 / 16 <script>alert(1)</script>\n\x1b[2J\x1b]52;c;aGk=\x07 ```` end';
  const grade: SubmissionGrade = {
    submission: 'evil',
    dir: '/x/evil',
    roles: ['both'],
    score: 0,
    max: 4,
    ms: 1000,
    runs: [{ role: 'both' }],
    scenarios: [
      {
        name: 'upload',
        role: 'both',
        status: 'failed',
        ms: 1,
        points: 0,
        maxPoints: 4,
        steps: [],
        failure: { step: '3', description: 'file log.txt contains /ok/', message: `log.txt does not contain /ok/; it holds: ${forged}`, node: 'server', tail: forged, stepsLeft: [] },
      },
    ],
  };

  it('puts every program text in a fence longer than any backtick run in it, escapes shown', () => {
    const md = gradeReport(grade);
    // eslint-disable-next-line no-control-regex -- the very characters a report must not hold
    expect(md).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(md).toContain('\\x1b[2J');
    // Outside the fences (as CommonMark reads them) only the lab's text: the real title, no forged one.
    const outside: string[] = [];
    let open: string | undefined;
    for (const l of md.split('\n')) {
      const m = /^(`{3,})/.exec(l);
      if (open === undefined && m) open = m[1];
      else if (open !== undefined && l === open) open = undefined;
      else if (open === undefined) outside.push(l);
    }
    expect(open).toBeUndefined();
    expect(outside.filter((l) => /^# /.test(l))).toEqual(['# evil: 0 / 4']);
    expect(outside.join('\n')).not.toMatch(/forged|<script>/);
  });

  it('fences and escapes as documented', () => {
    expect(fenced('a ```` b').startsWith('`````text\n')).toBe(true);
    expect(visible('\x1b[2J\r\u202e')).toBe('\\x1b[2J\\r\\u202e');
  });
});
