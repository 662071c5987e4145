import { Duplex } from 'node:stream';

/**
 * Two in-memory Duplex ends wired back to back, like a socket pair: what one writes, the
 * other reads. Ending one side ends the other's readable side (half-close); destroying one
 * side closes the other, like an abrupt drop.
 *
 * Why: every app's session layer takes any Duplex, so tests drive whole client/server
 * conversations with no ports. Delivery is deferred to a microtask so, as on a real socket,
 * a write never runs the other side's handlers inside the writer's call stack.
 */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const copy = Buffer.from(chunk);
        queueMicrotask(() => {
          const o = other();
          if (!o.destroyed) o.push(copy);
        });
        cb();
      },
      final(cb) {
        queueMicrotask(() => {
          const o = other();
          if (!o.destroyed) o.push(null);
        });
        cb();
      },
      destroy(err, cb) {
        queueMicrotask(() => {
          const o = other();
          if (!o.destroyed) o.destroy();
        });
        cb(err);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}
