import { z } from 'zod';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `jitter`: vary the delay of what a node sends by up to `ms` around `base` (netem; refused where the kernel lacks it). */
export const jitter = defineStep({
  kind: 'jitter',
  requires: ['faults', 'netem'],
  schema: z.strictObject({
    ...stepCommon,
    jitter: z.strictObject({
      node: TemplateString.describe('The node whose sending varies'),
      ms: z.number().int().min(1).describe('Variation in milliseconds'),
      base: z.number().int().min(0).default(0).describe('Delay it varies around, in milliseconds'),
    }),
  }),
  describe: (s, r) => `jitter ${r(s.jitter.node)} by ${s.jitter.ms}ms`,
  refs: (s) => ({ nodes: [{ key: 'jitter', name: s.jitter.node }] }),
  async run(s, ctx) {
    await ctx.fault({ kind: 'delay', node: ctx.render(s.jitter.node), ms: Math.max(1, s.jitter.base), jitterMs: s.jitter.ms });
  },
});
