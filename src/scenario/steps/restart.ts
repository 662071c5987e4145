import { z } from 'zod';
import { NodeList, stepCommon, stepNodeOptional } from '../../topology/step-fields.js';
import { nameRefs, namesOf } from './node-actions.js';
import { asList, defineStep } from './step-kind.js';

/** `restart`: stop nodes (SIGTERM, then SIGKILL) and start them again: a new incarnation. */
export const restart = defineStep({
  kind: 'restart',
  schema: z.strictObject({ ...stepCommon, ...stepNodeOptional, restart: NodeList.describe('Stop and start these nodes again') }),
  describe: (s, r) => `restart ${asList(s.restart).map(r).join(', ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }, ...nameRefs('restart', s.restart)] }),
  async run(s, ctx) {
    await Promise.all(
      namesOf(s.restart, ctx).map(async (name) => {
        const n = ctx.nodeNamed(name);
        await n.runtime.stop();
        ctx.beforeStart(name);
        await n.runtime.start();
      }),
    );
  },
});
