import { z } from 'zod';
import { lookup } from '../../topology/template.js';
import { stepCommon, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { NestedStep } from './nested-step.js';
import { defineStep } from './step-kind.js';

/** `foreach`: repeat steps for each item of a list, one after another or all at once. */
export const foreach = defineStep({
  kind: 'foreach',
  container: true,
  schema: z.strictObject({
    ...stepCommon,
    foreach: z
      .strictObject({
        items: z.union([z.array(z.unknown()), TemplateString]),
        as: z.string().regex(/^[a-z_][a-z0-9_]*$/i),
        parallel: z.boolean().optional(),
        steps: z.array(NestedStep),
      })
      .describe('Repeat steps for each item, one after another or all at once'),
  }),
  describe: (s) => `for each ${s.foreach.as}${s.foreach.parallel ? ' (in parallel)' : ''}`,
  refs: (s) => ({ children: [{ path: ['foreach', 'steps'], steps: s.foreach.steps }] }),
  async run(s, ctx) {
    const fe = s.foreach;
    const items = typeof fe.items === 'string' ? lookup(ctx.scope, fe.items.replace(/^\{\{\s*|\s*\}\}$/g, '')) : fe.items;
    if (!Array.isArray(items)) throw new StepError(`foreach items is not a list: ${String(fe.items)}`);
    if (fe.parallel) {
      await ctx.runParallel(items.map((item) => ({ steps: fe.steps, vars: { [fe.as]: item } })));
      return;
    }
    for (let j = 0; j < items.length; j++) await ctx.runSteps(fe.steps, `${ctx.path}.${j + 1}.`, { [fe.as]: items[j] });
  },
});
