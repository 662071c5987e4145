import { z } from 'zod';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { defineStep, short, who } from './step-kind.js';

/** `expect`: wait for output matching a pattern; named groups become variables. */
export const expect = defineStep({
  kind: 'expect',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    expect: TemplateString.describe('Wait for output matching this regular expression; named groups (?<x>...) become variables'),
    literal: z.boolean().optional().describe('expect is plain text, not a regular expression'),
  }),
  describe: (s, r) => `${who(s, r)}expect ${s.literal ? `"${short(r(s.expect))}"` : `/${short(r(s.expect))}/`}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }], patterns: [{ key: 'expect', text: s.expect, literal: s.literal }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const m = await n.output.expect(ctx.pattern(ctx.render(s.expect), s.literal), ctx.timeoutMs, ctx.signal);
    Object.assign(ctx.vars, m.groups);
  },
});
