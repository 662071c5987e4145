/**
 * Time for the peer protocol: a clock, one-shot timers and "after this event-loop turn".
 *
 * Why: retransmission and ack coalescing depend on time; injecting it keeps the
 * transfer logic testable and lets tests run with tiny timeouts.
 */
export interface PeerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): () => void;
  defer(fn: () => void): void;
}

/** Real timers (setTimeout / setImmediate, high-resolution clock). */
export const realPeerTimers: PeerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // the socket keeps the process alive, not the timers
    return () => clearTimeout(t);
  },
  defer: (fn) => {
    setImmediate(fn);
  },
};
