/**
 * A source of "now" in milliseconds since the Unix epoch.
 *
 * Why: login blocks, TempID and cookie lifetimes, log timestamps and retention all depend
 * on time; injecting the clock lets tests move time forward by hand instead of sleeping.
 */
export interface Clock {
  now(): number;
}

/**
 * One-shot timers behind an interface.
 *
 * Why: deadlines (idle timers, retransmission, contact-log expiry) armed through this can
 * be fired by a ManualClock in tests, exactly and instantly.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A clock that can also arm timers on its own time line (what crchat's deadlines need). */
export interface TimerClock extends Clock, Timers {}

/**
 * The real wall clock and timers, used by the programs.
 *
 * Why unref: a pending deadline must never keep a process alive on its own; sockets and
 * stdin decide when a program is done.
 */
export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
