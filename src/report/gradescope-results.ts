import type { SubmissionGrade } from '../model/grade-results.js';
import { failureText } from './grade-report.js';

/**
 * results.json in the shape Gradescope's autograder reads (score, execution_time, tests
 * with name, score, max_score, status, output), so a course can plug netlab in directly.
 */
export function gradescopeResults(g: SubmissionGrade): object {
  const several = g.roles.length > 1;
  return {
    score: g.score,
    execution_time: Math.round(g.ms / 1000),
    output: `netlab graded ${g.submission} as ${g.roles.join(', ')}: ${g.score}/${g.max}` + g.runs.filter((r) => r.error).map((r) => `\n${r.role}: ${r.error}${r.diagnosis ? ` (${r.diagnosis})` : ''}`).join(''),
    stdout_visibility: 'visible',
    tests: g.scenarios.map((s) => ({
      name: several ? `${s.role}: ${s.name}` : s.name,
      score: s.points,
      max_score: s.maxPoints,
      status: s.status === 'passed' ? 'passed' : 'failed',
      output: s.failure ? failureText(s) : 'passed',
      visibility: 'visible',
    })),
  };
}
