import { z } from 'zod';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

const Loss = z
  .strictObject({
    node: TemplateString.optional().describe('Drop packets to and/or from this node'),
    between: z.tuple([TemplateString, TemplateString]).optional().describe('Drop packets between these two nodes'),
    percent: z.number().min(0).max(100).describe('Share of packets dropped, at random'),
    direction: z.enum(['both', 'in', 'out']).default('both').describe('in: to the node (between: b to a), out: from it (a to b)'),
  })
  .refine((l) => (l.node === undefined) !== (l.between === undefined), { message: 'loss needs exactly one of node: or between: [a, b]' });

/** `loss`: real packet loss in the network (iptables statistic), dropped at the receiving end. */
export const loss = defineStep({
  kind: 'loss',
  requires: ['faults'],
  schema: z.strictObject({ ...stepCommon, loss: Loss.describe('Drop a share of packets') }),
  describe: (s, r) => `lose ${s.loss.percent}% of packets ${s.loss.node !== undefined ? `${s.loss.direction === 'both' ? 'to and from' : s.loss.direction === 'in' ? 'to' : 'from'} ${r(s.loss.node)}` : `between ${r(s.loss.between![0])} and ${r(s.loss.between![1])}`}`,
  refs: (s) => ({ nodes: [s.loss.node, ...(s.loss.between ?? [])].filter((n) => n !== undefined).map((name) => ({ key: 'loss', name })) }),
  async run(s, ctx) {
    const l = s.loss;
    await ctx.fault({
      kind: 'loss',
      percent: l.percent,
      direction: l.direction,
      node: l.node !== undefined ? ctx.render(l.node) : undefined,
      between: l.between ? [ctx.render(l.between[0]), ctx.render(l.between[1])] : undefined,
    });
  },
});
