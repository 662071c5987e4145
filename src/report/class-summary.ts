import type { SubmissionGrade } from '../model/grade-results.js';

const csvCell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
const columns = (grades: SubmissionGrade[]) => [...new Set(grades.flatMap((g) => g.scenarios.map((s) => (g.roles.length > 1 ? `${s.role}: ${s.name}` : s.name))))];

function rows(grades: SubmissionGrade[]): { cols: string[]; rows: (string | number)[][] } {
  const cols = columns(grades);
  return {
    cols,
    rows: grades.map((g) => {
      const by = new Map(g.scenarios.map((s) => [g.roles.length > 1 ? `${s.role}: ${s.name}` : s.name, s.points]));
      const failed = g.scenarios.filter((s) => s.status !== 'passed').length;
      return [g.submission, ...cols.map((c) => by.get(c) ?? ''), g.score, failed];
    }),
  };
}

/** The class at a glance: one row per submission, points per scenario, total, failures. */
export function summaryCsv(grades: SubmissionGrade[]): string {
  const { cols, rows: r } = rows(grades);
  return [['submission', ...cols, 'total', 'failures'], ...r].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export function summaryMarkdown(grades: SubmissionGrade[]): string {
  const { cols, rows: r } = rows(grades);
  const esc = (v: string | number) => String(v).replace(/\|/g, '\\|');
  return [
    `| submission | ${cols.map(esc).join(' | ')} | total | failures |`,
    `|---|${cols.map(() => '---:').join('|')}|---:|---:|`,
    ...r.map((row) => `| ${row.map(esc).join(' | ')} |`),
    '',
  ].join('\n');
}
