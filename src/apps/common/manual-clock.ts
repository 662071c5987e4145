import type { TimerClock } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to, with timers on the same time line.
 *
 * Why: expiry, lockout, idle-timer and retransmission tests must be exact and instant;
 * advance() and set() fire due timers in deadline order (ties in the order they were
 * armed), as real time would.
 */
export class ManualClock implements TimerClock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, Pending>();

  /** Starts at `start` (default 1 January 2024, 12:00:00 UTC). */
  constructor(start: number = Date.UTC(2024, 0, 1, 12, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Move time forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, Pending] | undefined;
      for (const e of this.timers) {
        if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }

  /** Jump to the instant ms: forward fires due timers as advance() does; backward fires none. */
  set(ms: number): void {
    if (ms >= this.t) this.advance(ms - this.t);
    else this.t = ms;
  }

  /** Number of timers still waiting (tests use it to check that nothing leaks). */
  get pending(): number {
    return this.timers.size;
  }
}
