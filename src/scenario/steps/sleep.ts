import { z } from 'zod';
import { durationMs } from '../../topology/duration.js';
import { Duration, stepCommon } from '../../topology/step-fields.js';
import { defineStep } from './step-kind.js';

/** `sleep`: let time pass, for protocol timers (a block duration); never for readiness. */
export const sleep = defineStep({
  kind: 'sleep',
  schema: z.strictObject({ ...stepCommon, sleep: Duration.describe('Let time pass, for protocol timers (never for readiness)') }),
  describe: (s) => `let ${s.sleep} pass`,
  async run(s, ctx) {
    await ctx.delay(durationMs(s.sleep, 0));
  },
});
