import { Duplex, PassThrough } from 'node:stream';

/**
 * Two connected in-memory Duplex streams: what one writes, the other reads.
 *
 * Why: the session layers accept any Duplex, so tests and benches can run server and
 * clients without ports.
 */
export function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  return [a, b];
}
