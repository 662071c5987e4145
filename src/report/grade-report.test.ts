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
