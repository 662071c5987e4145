import { z } from 'zod';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, short, who } from './step-kind.js';

/** `send`: type one line (a newline is added) into a node's stdin. */
export const send = defineStep({
  kind: 'send',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    send: TemplateString.describe('Type this line (a newline is added) into the node stdin'),
  }),
  describe: (s, r) => `${who(s, r)}send "${short(r(s.send))}"`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const line = ctx.render(s.send);
    ctx.typed(n.name, line);
    try {
      await n.runtime.write(`${line}\n`);
    } catch {
      throw new StepError(`${n.name} is not running (${n.output.exited ?? 'not started'}); cannot type "${line}"`, n.output.tail());
    }
  },
});
