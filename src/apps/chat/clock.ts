/**
 * The source of "now" for everything time-dependent (login blocks, log timestamps).
 *
 * Why: tests move time forward explicitly instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and benches. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.UTC(2021, 3, 25, 5, 26, 30)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
