import { z } from 'zod';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `partition`: nodes in different groups cannot reach each other (DROP both ways) until `heal`. */
export const partition = defineStep({
  kind: 'partition',
  requires: ['faults'],
  schema: z.strictObject({
    ...stepCommon,
    partition: z.strictObject({ groups: z.array(z.array(TemplateString).min(1)).min(2).describe('Groups of nodes; traffic between groups is dropped') }),
  }),
  describe: (s, r) => `partition ${s.partition.groups.map((g) => `[${g.map(r).join(', ')}]`).join(' | ')}`,
  refs: (s) => ({ nodes: s.partition.groups.flat().map((name) => ({ key: 'partition', name })) }),
  async run(s, ctx) {
    await ctx.fault({ kind: 'partition', groups: s.partition.groups.map((g) => g.map((n) => ctx.render(n))) });
  },
});
