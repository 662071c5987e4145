import { z } from 'zod';
import { NodeList, stepCommon, stepNodeOptional } from '../../topology/step-fields.js';
import { nameRefs, namesOf } from './node-actions.js';
import { asList, defineStep } from './step-kind.js';

/** `start`: start nodes that are not running (autostart: false, or stopped). */
export const start = defineStep({
  kind: 'start',
  schema: z.strictObject({ ...stepCommon, ...stepNodeOptional, start: NodeList.describe('Start these nodes') }),
  describe: (s, r) => `start ${asList(s.start).map(r).join(', ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }, ...nameRefs('start', s.start)] }),
  async run(s, ctx) {
    await Promise.all(
      namesOf(s.start, ctx).map(async (name) => {
        const n = ctx.nodeNamed(name);
        ctx.beforeStart(name);
        await n.runtime.start();
      }),
    );
  },
});
