import { z } from 'zod';
import { durationMs } from '../../topology/duration.js';
import { Duration, stepCommon, TemplateString } from '../../topology/step-fields.js';
import { StepError } from '../scenario-errors.js';
import { defineStep, short } from './step-kind.js';

const Query = z.strictObject({
  from: TemplateString.describe('The sending node'),
  to: TemplateString.describe('The receiving node'),
  proto: z.enum(['tcp', 'udp']).describe('Transport'),
  contains: TemplateString.optional().describe('Text the payload holds (TCP: the reassembled stream of that direction)'),
  count: z.number().int().min(1).optional().describe('At least this many matching datagrams/packets (occurrences with contains); default 1'),
  within: Duration.optional().describe('Only packets of the last this long; default: since the scenario began'),
  absent: z.boolean().optional().describe('True: no such packet may have crossed the wire'),
});

/**
 * `wire`: check the capture, not what programs printed: that a datagram went from one
 * node straight to another (not through the server), that a connection was made or not.
 * Waits until the count is reached (up to the step's timeout); `absent` checks once the
 * capture holds everything sent so far.
 */
export const wire = defineStep({
  kind: 'wire',
  requires: ['capture'],
  schema: z.strictObject({ ...stepCommon, wire: Query.describe('Packets that must (or must not) have crossed the wire') }),
  describe: (s, r) => {
    const w = s.wire;
    return `wire: ${w.absent ? 'no ' : ''}${w.proto.toUpperCase()} ${r(w.from)} -> ${r(w.to)}${w.contains !== undefined ? ` holding "${short(r(w.contains), 30)}"` : ''}${w.count ? ` ×${w.count}` : ''}`;
  },
  refs: (s) => ({ nodes: [{ key: 'wire', name: s.wire.from }, { key: 'wire', name: s.wire.to }] }),
  async run(s, ctx) {
    const w = s.wire;
    const q = {
      from: ctx.render(w.from),
      to: ctx.render(w.to),
      proto: w.proto,
      contains: w.contains !== undefined ? ctx.render(w.contains) : undefined,
      withinMs: w.within !== undefined ? durationMs(w.within, 0) : undefined,
    };
    const what = `${q.proto.toUpperCase()} ${q.from} -> ${q.to}${q.contains !== undefined ? ` holding "${short(q.contains, 40)}"` : ''}`;
    if (w.absent) {
      const r = await ctx.wire(q);
      if (r.matches > 0) throw new StepError(`${r.matches} ${what} crossed the wire, none expected: ${r.sample.join(' | ')}`);
      return;
    }
    const want = w.count ?? 1;
    const deadline = performance.now() + ctx.timeoutMs;
    for (;;) {
      const r = await ctx.wire(q);
      if (r.matches >= want) return;
      if (performance.now() >= deadline) {
        throw new StepError(`${what}: ${r.matches} of ${want} seen within ${(ctx.timeoutMs / 1000).toFixed(1)}s (${r.packets} ${q.proto.toUpperCase()} packets ${q.from} -> ${q.to} in all${r.sample.length ? `: ${r.sample.join(' | ')}` : ''})`);
      }
      await ctx.delay(100);
    }
  },
});
