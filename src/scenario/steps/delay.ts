import { z } from 'zod';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/**
 * `delay`: hold every packet a node sends for `ms` (netem). Needs the kernel's netem qdisc:
 * where it is missing the topology is refused by `lab validate` and at start, never
 * silently run without the delay.
 */
export const delay = defineStep({
  kind: 'delay',
  requires: ['faults', 'netem'],
  schema: z.strictObject({
    ...stepCommon,
    delay: z.strictObject({
      node: TemplateString.describe('The node whose sending is delayed'),
      ms: z.number().int().min(1).describe('Delay in milliseconds'),
      jitter: z.number().int().min(0).optional().describe('Random variation, in milliseconds'),
    }),
  }),
  describe: (s, r) => `delay ${r(s.delay.node)} by ${s.delay.ms}ms${s.delay.jitter ? ` ± ${s.delay.jitter}ms` : ''}`,
  refs: (s) => ({ nodes: [{ key: 'delay', name: s.delay.node }] }),
  async run(s, ctx) {
    await ctx.fault({ kind: 'delay', node: ctx.render(s.delay.node), ms: s.delay.ms, jitterMs: s.delay.jitter ?? 0 });
  },
});
