import { render } from '../topology/template.js';
import type { StepShape } from '../topology/topology-schema.js';

const short = (s: unknown, n = 60) => {
  const t = String(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

/** One line a person can read in progress output and reports: "client1: expect /Welcome/". */
export function describeStep(step: StepShape, scope?: Record<string, unknown>): string {
  const r = (v: unknown) => (scope && typeof v === 'string' ? render(v, scope) : String(v));
  if (step.name) return String(step.name);
  const who = step.node !== undefined ? `${r(step.node)}: ` : '';
  if (step.send !== undefined) return `${who}send "${short(r(step.send))}"`;
  if (step.expect !== undefined) return `${who}expect ${step.literal ? `"${short(r(step.expect))}"` : `/${short(r(step.expect))}/`}`;
  if (step.absent !== undefined) return `${who}no /${short(r(step.absent))}/`;
  if (step.file !== undefined) {
    const checks = [
      step.contains !== undefined ? `contains /${short(r(step.contains), 40)}/` : '',
      step.not_contains !== undefined ? `lacks /${short(r(step.not_contains), 40)}/` : '',
      step.exists === false ? 'absent' : '',
      step.sha256 !== undefined ? 'sha256 matches' : '',
    ].filter(Boolean);
    return `${who}file ${r(step.file)} ${checks.join(', ') || 'exists'}${step.within ? ` (within ${step.within})` : ''}`;
  }
  if (step.digest !== undefined) return `${who}sha256 of ${r(step.digest)} -> ${step.as}`;
  if (step.exit !== undefined) return `${who}exits with ${step.exit === 'any' ? 'any code' : `code ${step.exit}`}`;
  for (const k of ['start', 'stop', 'kill', 'restart'] as const) {
    if (step[k] !== undefined) return `${k} ${(Array.isArray(step[k]) ? (step[k] as unknown[]) : [step[k]]).map(r).join(', ')}`;
  }
  if (step.wait_port !== undefined) return `${who}port ${step.wait_port} open`;
  if (step.sleep !== undefined) return `let ${step.sleep} pass`;
  if (step.discard !== undefined) return `forget what ${(Array.isArray(step.discard) ? step.discard : [step.discard]).map(r).join(', ')} printed so far`;
  if (step.set !== undefined) return `set ${Object.keys(step.set as object).join(', ')}`;
  if (step.exec !== undefined) return `${who}run ${(step.exec as string[]).map(r).join(' ')}`;
  if (step.parallel !== undefined) return `in parallel: ${(step.parallel as unknown[]).length} blocks`;
  if (step.foreach !== undefined) {
    const fe = step.foreach as { as: string; parallel?: boolean; items: unknown };
    return `for each ${fe.as}${fe.parallel ? ' (in parallel)' : ''}`;
  }
  return 'step';
}
