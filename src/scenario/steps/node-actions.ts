import type { StepContext } from './step-kind.js';
import { asList } from './step-kind.js';

/** The node names a start/stop/kill/restart/discard step lists, templates filled in. */
export function namesOf(v: unknown, ctx: StepContext): string[] {
  return asList(v).map((x) => ctx.render(x));
}

/** Literal node names of such a step, for the plan check. */
export function nameRefs(key: string, v: unknown): { key: string; name: unknown }[] {
  return asList(v).map((name) => ({ key, name }));
}
