import { z } from 'zod';
import { stepCommon } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `heal: true`: take every loss, partition and rate limit out of the network. */
export const heal = defineStep({
  kind: 'heal',
  requires: ['faults'],
  schema: z.strictObject({ ...stepCommon, heal: z.literal(true).describe('Remove every fault') }),
  describe: () => 'heal the network (remove every fault)',
  async run(_s, ctx) {
    await ctx.fault({ kind: 'heal' });
  },
});
