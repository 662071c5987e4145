import { z } from 'zod';
import { durationMs } from '../../topology/duration.js';
import { Duration, stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

const ClockChange = z
  .strictObject({
    nodes: z.array(TemplateString).min(1).optional().describe('The nodes whose clock moves (default: every node)'),
    advance: Duration.optional().describe('Move the wall clock forward by this much, at once'),
    reset: z.literal(true).optional().describe('Bring the wall clock back to real time'),
  })
  .refine((c) => (c.advance === undefined) !== (c.reset === undefined), { message: 'a clock step has either advance: or reset: true' });

/**
 * `clock`: move nodes' wall clocks forward at once (libfaketime), so a protocol timer of
 * 15 minutes is tested without waiting 15 minutes. Offsets add up over a run; monotonic
 * clocks (timeouts, sleeps) are not moved.
 */
export const clock = defineStep({
  kind: 'clock',
  schema: z.strictObject({
    ...stepCommon,
    clock: ClockChange.describe('Move wall clocks: {nodes: [a, b], advance: 16m} or {reset: true}'),
  }),
  describe: (s, r) => {
    const who = s.clock.nodes ? s.clock.nodes.map(r).join(', ') : 'every node';
    return s.clock.reset ? `reset the clock of ${who}` : `move the clock of ${who} forward ${s.clock.advance}`;
  },
  refs: (s) => ({ nodes: (s.clock.nodes ?? []).map((name) => ({ key: 'clock', name })) }),
  async run(s, ctx) {
    const nodes = s.clock.nodes?.map((n) => ctx.render(n));
    for (const n of nodes ?? []) ctx.nodeNamed(n); // a StepError naming a missing node
    await ctx.moveClock(nodes, s.clock.reset ? { reset: true } : { advanceMs: durationMs(s.clock.advance, 0) });
  },
});
