import { z } from 'zod';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { defineStep, short, who } from './step-kind.js';

/**
 * `expect_all`: wait until the output after the cursor holds a match of every pattern, in
 * any order, on any lines; the cursor stays where it is (as a zero-width lookahead's would).
 * The linear form of `(?<![\s\S])(?=[\s\S]*?A)(?=[\s\S]*?B)`: each pattern is a search of
 * its own, so RE2 runs them all and nothing needs the backtracking engine.
 */
export const expectAll = defineStep({
  kind: 'expect_all',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    expect_all: z
      .array(TemplateString)
      .min(1, 'at least one pattern')
      .max(16, 'at most 16 patterns')
      .describe('Wait until the output after the cursor matches each of these regular expressions, in any order; the cursor stays; named groups become variables'),
    literal: z.boolean().optional().describe('the patterns are plain text, not regular expressions'),
  }),
  describe: (s, r) => `${who(s, r)}expect all of ${s.expect_all.map((p) => `/${short(r(p), 40)}/`).join(', ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }], patterns: s.expect_all.map((text, i) => ({ key: ['expect_all', i], text, literal: s.literal })) }),
  async run(s, ctx) {
    const n = ctx.node();
    const patterns = s.expect_all.map((p) => ctx.pattern(ctx.render(p), s.literal));
    const m = await n.output.expectAll(patterns, ctx.timeoutMs, ctx.signal);
    Object.assign(ctx.vars, m.groups);
  },
});
