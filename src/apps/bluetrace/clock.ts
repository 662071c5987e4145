/**
 * A source of "now" in milliseconds since the epoch.
 *
 * Why: lockout, TempID lifetime and contact-log retention all depend on time;
 * injecting the clock lets tests move time forward without sleeping.
 */
export interface Clock {
  now(): number;
}

/** The real wall clock, used by the programs. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can set and advance by hand. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2024, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
