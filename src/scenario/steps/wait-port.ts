import { z } from 'zod';
import { stepCommon, stepNode } from '../../topology/step-fields.js';
import { defineStep, who } from './step-kind.js';

/** `wait_port`: wait until a TCP port accepts connections on the node's address. */
export const waitPort = defineStep({
  kind: 'wait_port',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    wait_port: z.number().int().min(1).max(65535).describe('Wait until this TCP port accepts connections'),
  }),
  describe: (s, r) => `${who(s, r)}port ${s.wait_port} open`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    await ctx.waitPort(n.runtime.address, s.wait_port, ctx.timeoutMs);
  },
});
