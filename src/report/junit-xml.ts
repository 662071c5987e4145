import type { ScenarioResult } from '../model/scenario-result.js';

const esc = (s: string) =>
  // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these control characters
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML, so CI systems list each scenario as a test case. */
export function junitXml(lab: string, scenarios: ScenarioResult[], error?: string): string {
  const failures = scenarios.filter((s) => s.status === 'failed').length;
  const total = scenarios.reduce((t, s) => t + s.ms, 0) / 1000;
  const cases = scenarios.map((s) => {
    const head = `    <testcase classname="${esc(lab)}" name="${esc(s.name)}" time="${(s.ms / 1000).toFixed(3)}">`;
    if (!s.failure) return `${head}</testcase>`;
    const body = [s.failure.message, s.failure.tail ? `last output:\n${s.failure.tail}` : '', s.failure.stepsLeft.length ? `steps left:\n${s.failure.stepsLeft.join('\n')}` : '']
      .filter(Boolean)
      .join('\n\n');
    return `${head}\n      <failure message="${esc(`step ${s.failure.step} ${s.failure.description}: ${s.failure.message}`)}">${esc(body)}</failure>\n    </testcase>`;
  });
  const errs = error ? 1 : 0;
  const errCase = error ? [`    <testcase classname="${esc(lab)}" name="lab setup"><error message="${esc(error)}"/></testcase>`] : [];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netlab" tests="${scenarios.length + errs}" failures="${failures}" errors="${errs}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${esc(lab)}" tests="${scenarios.length + errs}" failures="${failures}" errors="${errs}" time="${total.toFixed(3)}">`,
    ...cases,
    ...errCase,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
