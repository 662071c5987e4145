import { z } from 'zod';
import { stepCommon } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `set`: give variables values (templates in strings are filled in). */
export const set = defineStep({
  kind: 'set',
  schema: z.strictObject({ ...stepCommon, set: z.record(z.string(), z.union([z.string(), z.number()])).describe('Set variables') }),
  describe: (s) => `set ${Object.keys(s.set).join(', ')}`,
  async run(s, ctx) {
    for (const [k, v] of Object.entries(s.set)) ctx.vars[k] = typeof v === 'string' ? ctx.render(v) : v;
  },
});
