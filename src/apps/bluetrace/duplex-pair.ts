import { Duplex } from 'node:stream';

/**
 * Two connected in-memory Duplex streams: what one writes, the other reads.
 *
 * Why: sessions take any Duplex, so tests (and benchmarks of the logic) run
 * whole client/server conversations without ports. Ending one side ends the
 * other's readable side; destroying one side closes the other (an abrupt drop).
 */
export function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(Buffer.from(chunk));
        cb();
      },
      final(cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy();
        cb(err);
      },
    });
  let b: Duplex;
  const a = make(() => b);
  b = make(() => a);
  return [a, b];
}
