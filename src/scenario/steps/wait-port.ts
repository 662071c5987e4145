import { z } from 'zod';
import { stepCommon, stepNode } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, who } from './step-kind.js';

/**
 * `wait_port`: wait until a TCP port accepts connections on the node's address; with
 * `udp: true`, until the node has a UDP socket bound on the port (read from its socket
 * table, nothing is sent), e.g. a client's beacon listener that starts after its login.
 */
export const waitPort = defineStep({
  kind: 'wait_port',
  schema: z.strictObject({
    ...stepCommon,
    ...stepNode,
    wait_port: z.number().int().min(1).max(65535).describe('Wait until this TCP port accepts connections'),
    udp: z.literal(true).optional().describe('Wait for a bound UDP socket on the port instead (socket table; nothing is sent)'),
  }),
  describe: (s, r) => `${who(s, r)}${s.udp ? `UDP port ${s.wait_port} bound` : `port ${s.wait_port} open`}`,
  refs: (s) => ({ nodes: [{ key: 'node', name: s.node }] }),
  async run(s, ctx) {
    const n = ctx.node();
    if (!s.udp) return ctx.waitPort(n.runtime.address, s.wait_port, ctx.timeoutMs);
    if (!n.runtime.sockets) throw new StepError(`this runtime cannot read ${n.name}'s socket table`);
    const deadline = performance.now() + ctx.timeoutMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
      const sockets = await n.runtime.sockets();
      if (sockets?.some((x) => x.proto === 'udp' && x.port === s.wait_port)) return;
      if (!n.runtime.running()) throw new StepError(`${n.name} is not running`);
      if (performance.now() + wait > deadline) throw new StepError(`${n.name} bound no UDP socket on port ${s.wait_port} within ${(ctx.timeoutMs / 1000).toFixed(1)}s`);
      await ctx.delay(wait);
    }
  },
});
