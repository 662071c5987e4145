import { createHash } from 'node:crypto';
import { z } from 'zod';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, who } from './step-kind.js';

/** `digest`: the SHA-256 of a node's file, into a variable (to compare with what a peer received). */
export const digest = defineStep({
  kind: 'digest',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    digest: TemplateString.describe('Compute the SHA-256 of this file into the variable named by as'),
    as: z.string().describe('The variable that receives the hex digest'),
  }),
  describe: (s, r) => `${who(s, r)}sha256 of ${r(s.digest)} -> ${s.as}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const file = ctx.render(s.digest);
    const data = await n.runtime.readFile(file);
    if (!data) throw new StepError(`${n.name} has no file ${file}`);
    ctx.vars[s.as] = createHash('sha256').update(data).digest('hex');
  },
});
