import { z } from 'zod';
import { describeExit } from '../../model/exit-info.js';
import { stepCommon, stepNode } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, who } from './step-kind.js';

/** `exit`: wait for the node's program to end, with this code (or any). */
export const exit = defineStep({
  kind: 'exit',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    exit: z.union([z.number().int(), z.literal('any')]).describe('Wait for the node to exit with this code'),
  }),
  describe: (s, r) => `${who(s, r)}exits with ${s.exit === 'any' ? 'any code' : `code ${s.exit}`}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const ended = await n.output.waitEnd(ctx.timeoutMs, ctx.signal);
    if (s.exit === 'any') return;
    // The structured exit, never its description: "code 137, out of memory" is code 137.
    const code = n.lastExit ? n.lastExit.code : undefined;
    if (code !== s.exit) {
      const what = n.lastExit ? describeExit(n.lastExit) : ended;
      throw new StepError(`${n.name} ended with ${what}, expected code ${s.exit}`, n.output.tail());
    }
  },
});
