import type { Logger } from 'pino';
import type { ClockChange } from '../scenario/steps/step-kind.js';
import { StepError } from '../scenario/scenario-errors.js';
import type { LabNode } from './lab-node.js';

/**
 * The `clock:` step's hook for a lab's nodes (lab up, and a replay on a kept lab): moves the
 * named nodes' wall clocks (all when none are named) at once, or puts them back.
 */
export function clockMover(nodes: LabNode[], log?: Logger): (names: string[] | undefined, change: ClockChange) => Promise<void> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return async (names, change) => {
    const targets = (names ?? nodes.map((n) => n.name)).map((name) => byName.get(name)!);
    const without = targets.filter((n) => !n.runtime.clock).map((n) => n.name);
    if (without.length) throw new StepError(`no controllable clock on ${without.join(', ')}`);
    for (const n of targets) {
      if (change.reset) n.runtime.clock!.reset();
      else n.runtime.clock!.advance(change.advanceMs);
      log?.info({ node: n.name, clockOffsetMs: n.runtime.clock!.offsetMs }, 'clock moved');
    }
  };
}
