import { z } from 'zod';
import { NodeList, stepCommon, stepNodeOptional } from '../../topology/step-fields.js';
import { nameRefs, namesOf } from './node-actions.js';
import { asList, defineStep } from './step-kind.js';

/** `kill`: end nodes at once (SIGKILL), as a crash would. */
export const kill = defineStep({
  kind: 'kill',
  schema: z.strictObject({ ...stepCommon, ...stepNodeOptional, kill: NodeList.describe('Kill these nodes (SIGKILL)') }),
  describe: (s, r) => `kill ${asList(s.kill).map(r).join(', ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }, ...nameRefs('kill', s.kill)] }),
  async run(s, ctx) {
    await Promise.all(namesOf(s.kill, ctx).map((name) => ctx.nodeNamed(name).runtime.kill()));
  },
});
