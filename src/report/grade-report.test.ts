import { describe, expect, it } from 'vitest';
import type { SubmissionGrade } from '../model/grade-results.js';
import { gradeReport } from './grade-report.js';

const TRACE = 'Traceback (most recent call last):\n  File "server.py", line 80, in handle\nKeyError: \'tempId\'';

describe('gradeReport: crashes during a scenario', () => {
  const grade: SubmissionGrade = {
    submission: 's1', dir: '/x/s1', roles: ['both'], score: 2, max: 5, ms: 1000, runs: [{ role: 'both' }],
    scenarios: [
      { name: 'upload', role: 'both', status: 'passed', ms: 1, points: 2, maxPoints: 2, steps: [], crashes: [{ node: 'server', stderr: TRACE, traceback: true }] },
      {
        name: 'checking', role: 'both', status: 'failed', ms: 1, points: 0, maxPoints: 3, steps: [],
        failure: { step: '4', description: 'server prints the contact', message: 'server did not print /x/ within 20.0s', node: 'server', stepsLeft: [] },
        crashes: [{ node: 'phone1', exit: 'code 2', traceback: false }, { node: 'phone2', exit: 'signal SIGSEGV', stderr: 'bye', traceback: false }],
      },
    ],
  };
  const md = gradeReport(grade);

  it("shows a passed scenario's traceback, the grade standing", () => {
    expect(md).toContain(`*upload (both) passed, but:*\n\nserver printed a traceback during this scenario and went on running:\n\n\`\`\`text\n${TRACE}\n\`\`\``);
  });

  it("shows every node that ended in a failed scenario's entry, right after why", () => {
    const entry = md.slice(md.indexOf('## checking (both)'));
    expect(entry).toMatch(/\*\*Why:\*\*\n\n```text\nserver did not print[^\n]*\n```\n\n\*\*phone1 ended during this scenario \(code 2\) and printed nothing to stderr\.\*\*\n\n\*\*phone2 ended during this scenario \(signal SIGSEGV\) and printed last to stderr:\*\*\n\n```text\nbye\n```/);
  });
});

describe('gradeReport: a lab that could not run', () => {
  const tail = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'tabulate'";
  const message = 'the lab could not run: node server exited at once (code 1) before it was ready';
  const grade: SubmissionGrade = {
    submission: 's2', dir: '/x/s2', roles: ['both'], score: 0, max: 3.5, ms: 1000,
    runs: [{ role: 'both', error: 'node server exited at once (code 1) before it was ready', diagnosis: 'imports tabulate, which the grading image does not have', tail, node: 'server' }],
    scenarios: ['login', 'upload'].map((name) => ({
      name, role: 'both' as const, status: 'failed' as const, ms: 0, points: 0, maxPoints: 1, steps: [],
      failure: { step: '-', description: 'the lab', message, tail, stepsLeft: [], wholeRun: true },
    })),
  };
  const md = gradeReport(grade);

  it('says why once, at the top, with what the node printed, and marks each scenario not run', () => {
    expect(md.split(tail).length - 1).toBe(1);
    expect(md.split('imports tabulate').length - 1).toBe(1);
    expect(md).toContain(`**What server printed last:**\n\n\`\`\`text\n${tail}\n\`\`\``);
    expect(md).toContain('## login (both): 0 / 1\n\n**Not run:** the lab could not run for both (why, at the top).');
    expect(md).toContain('## upload (both): 0 / 1\n\n**Not run:** the lab could not run for both (why, at the top).');
  });
});
