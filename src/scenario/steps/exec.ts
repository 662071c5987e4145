import { z } from 'zod';
import { stepCommon, stepNode, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, who } from './step-kind.js';

/** `exec`: run a command inside the node; fails on a non-zero code; `as` keeps its output. */
export const exec = defineStep({
  kind: 'exec',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    exec: z.array(TemplateString).min(1).describe('Run a command inside the node; output is matched by expect'),
    as: z.string().optional().describe('A variable that receives the output, trimmed'),
  }),
  describe: (s, r) => `${who(s, r)}run ${s.exec.map(r).join(' ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    const argv = s.exec.map((a) => ctx.render(a));
    const res = await n.runtime.exec(argv, ctx.timeoutMs);
    if (s.as) ctx.vars[s.as] = res.output.trim();
    if (res.code !== 0) throw new StepError(`${argv.join(' ')} exited with code ${res.code}`, res.output.slice(-300));
  },
});
