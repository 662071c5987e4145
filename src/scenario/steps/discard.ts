import { z } from 'zod';
import { NodeList, stepCommon, stepNodeOptional } from '../../topology/step-fields.js';
import { nameRefs, namesOf } from './node-actions.js';
import { asList, defineStep } from './step-kind.js';

/** `discard`: forget what nodes printed so far, so later checks only see what comes next. */
export const discard = defineStep({
  kind: 'discard',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNodeOptional,
    discard: NodeList.describe('Forget output printed so far, so later expect/absent steps only see what comes next'),
  }),
  describe: (s, r) => `forget what ${asList(s.discard).map(r).join(', ')} printed so far`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }, ...nameRefs('discard', s.discard)] }),
  async run(s, ctx) {
    for (const name of namesOf(s.discard, ctx)) ctx.nodeNamed(name).output.discard();
  },
});
