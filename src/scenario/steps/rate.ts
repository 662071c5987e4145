import { z } from 'zod';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `rate`: limit what a node sends to this many kbit/s (tc tbf; htb on the local runtime's lo). */
export const rate = defineStep({
  kind: 'rate',
  requires: ['faults'],
  schema: z.strictObject({
    ...stepCommon,
    rate: z.strictObject({ node: TemplateString.describe('The node whose sending is limited'), kbit: z.number().int().min(8).describe('kbit/s') }),
  }),
  describe: (s, r) => `limit ${r(s.rate.node)} to ${s.rate.kbit} kbit/s`,
  refs: (s) => ({ nodes: [{ key: 'rate', name: s.rate.node }] }),
  async run(s, ctx) {
    await ctx.fault({ kind: 'rate', node: ctx.render(s.rate.node), kbit: s.rate.kbit });
  },
});
