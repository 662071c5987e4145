import type { ScenarioSpec } from '../topology/topology-schema.js';
import { durationMs } from '../topology/duration.js';

/** What a scenario costs before it waits on anything: start, typing, answers (measured 0.3-2 s). */
const BASE_MS = 1000;

/** The time a scenario is known to spend waiting: its sleep steps, nested ones too. */
function sleepMs(steps: unknown): number {
  if (Array.isArray(steps)) return steps.reduce((t: number, s) => t + sleepMs(s), 0);
  if (!steps || typeof steps !== 'object') return 0;
  let t = 0;
  for (const [k, v] of Object.entries(steps)) {
    if (k === 'sleep' && (typeof v === 'string' || typeof v === 'number')) t += durationMs(v, 0);
    else if (typeof v === 'object') t += sleepMs(v);
  }
  return t;
}

/**
 * The scenarios of one submission split into at most `labs` groups, each graded in a lab
 * of its own at the same time (isolation: scenario makes each scenario start from fresh
 * state, so which lab runs it does not change its result). Longest first onto the least
 * loaded group, by a scenario's known waits (the lockout's block_duration); each group
 * keeps the topology's order. Empty groups are dropped.
 */
export function scenarioGroups(scenarios: readonly ScenarioSpec[], labs: number): ScenarioSpec[][] {
  const n = Math.max(1, Math.min(Math.floor(labs), scenarios.length));
  if (n <= 1) return scenarios.length ? [[...scenarios]] : [];
  const load = new Array<number>(n).fill(0);
  const member = new Map<ScenarioSpec, number>();
  const byCost = scenarios.map((s, i) => ({ s, i, ms: BASE_MS + sleepMs(s.steps) })).sort((a, b) => b.ms - a.ms || a.i - b.i);
  for (const { s, ms } of byCost) {
    const g = load.indexOf(Math.min(...load));
    load[g]! += ms;
    member.set(s, g);
  }
  return Array.from({ length: n }, (_, g) => scenarios.filter((s) => member.get(s) === g)).filter((g) => g.length);
}
