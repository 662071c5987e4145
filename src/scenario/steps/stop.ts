import { z } from 'zod';
import { NodeList, stepCommon, stepNodeOptional } from '../../topology/step-fields.js';
import { nameRefs, namesOf } from './node-actions.js';
import { asList, defineStep } from './step-kind.js';

/** `stop`: end nodes politely (SIGTERM, then SIGKILL after a grace period). */
export const stop = defineStep({
  kind: 'stop',
  schema: z.strictObject({ ...stepCommon, ...stepNodeOptional, stop: NodeList.describe('Stop these nodes (SIGTERM, then SIGKILL)') }),
  describe: (s, r) => `stop ${asList(s.stop).map(r).join(', ')}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }, ...nameRefs('stop', s.stop)] }),
  async run(s, ctx) {
    await Promise.all(namesOf(s.stop, ctx).map((name) => ctx.nodeNamed(name).runtime.stop()));
  },
});
