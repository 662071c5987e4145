import { z } from 'zod';
import { durationMs } from '../../topology/duration.js';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, short, who } from './step-kind.js';

/** `absent`: fail if output matching a pattern appears within the timeout (default 1s). */
export const absent = defineStep({
  kind: 'absent',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    absent: TemplateString.describe('Fail if output matching this pattern appears during timeout (default 1s)'),
    literal: z.boolean().optional().describe('absent is plain text, not a regular expression'),
  }),
  describe: (s, r) => `${who(s, r)}no /${short(r(s.absent))}/`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }], patterns: [{ key: 'absent', text: s.absent, literal: s.literal }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const hit = await n.output.absent(ctx.pattern(ctx.render(s.absent), s.literal), durationMs(s.timeout, 1000), ctx.signal);
    if (hit !== undefined) throw new StepError(`${n.name} printed "${hit}", which must not appear`, n.output.tail());
  },
});
