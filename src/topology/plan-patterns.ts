import { stepPatterns } from '../scenario/steps/step-registry.js';
import { templateScope, type LabPlan } from './lab-plan.js';
import { lookup, render } from './template.js';
import { toPattern, type Pattern } from './pattern.js';

/** What a captured variable stands for when a pattern is compiled ahead of a run: 20 digits, as a TempID. */
const SAMPLE = '12345678901234567890';
const TAG = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*(?:\|\s*re\s*)?\}\}/g;

/** One pattern of a lab as it would run: templates filled, compiled, with its engine (or why it does not compile). */
export interface PlannedPattern {
  where: string;
  text: string;
  pattern?: Pattern;
  error?: string;
}

/**
 * Every pattern a lab's scenarios and readiness checks hold, with its templates filled the
 * way a run fills them: names the lab knows (vars, nodes, server) from the plan, captured
 * variables (a TempID, a foreach item) by a sample value. For checks that every shipped
 * pattern runs on RE2, and for the matching benchmark.
 */
export function planPatterns(plan: LabPlan, samples: Record<string, string> = {}): PlannedPattern[] {
  const scope = templateScope(plan, (n) => `10.77.3.${n.host % 256}`);
  const fill = (text: string) => text.replace(TAG, (tag, path: string) => (lookup(scope, path) !== undefined ? render(tag, scope) : (samples[path] ?? SAMPLE)));
  const out: PlannedPattern[] = [];
  const add = (where: string, text: string, literal?: boolean) => {
    try {
      out.push({ where, text, pattern: toPattern(fill(text), literal) });
    } catch (e) {
      out.push({ where, text, error: (e as Error).message });
    }
  };
  for (const n of plan.nodes) if (n.ready?.output) add(`node ${n.name} ready.output`, n.ready.output);
  for (const s of plan.scenarios) for (const p of stepPatterns(s.steps)) add(`scenario "${s.name}" ${p.kind}`, p.text, p.literal);
  return out;
}
