import { z } from 'zod';
import { stepCommon } from '../../topology/step-fields.js';
import { Block, blockSteps } from './nested-step.js';
import { defineStep } from './step-kind.js';

/** `parallel`: blocks of steps run at the same time; the first failure stops the others. */
export const parallel = defineStep({
  kind: 'parallel',
  container: true,
  schema: z.strictObject({ ...stepCommon, parallel: z.array(Block).describe('Blocks run at the same time') }),
  describe: (s) => `in parallel: ${s.parallel.length} blocks`,
  refs: (s) => ({
    children: s.parallel.map((b, j) => ({ path: ['parallel', j, ...(Array.isArray(b) ? [] : ['steps'])], steps: blockSteps(b) })),
  }),
  listed: (s) => s.parallel.map(blockSteps),
  async run(s, ctx) {
    await ctx.runParallel(s.parallel.map((b) => ({ steps: blockSteps(b) })));
  },
});
