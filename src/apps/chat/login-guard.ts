import type { Clock } from '../common/clock.js';

/** Outcome of recording a wrong password. */
export type FailureOutcome = { blocked: false; attemptsLeft: number } | { blocked: true; untilMs: number };

/**
 * Counts consecutive failed logins per username and blocks the account for a while
 * once the limit is reached.
 *
 * Why: the block belongs to the account, not to a connection or an IP address, so a
 * new connection from another machine is refused too (the issue requires it).
 */
export class LoginGuard {
  private readonly failures = new Map<string, number>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    readonly maxAttempts: number,
    readonly blockMs: number,
  ) {}

  /** Milliseconds of block left for this user, 0 if not blocked. */
  remainingBlockMs(user: string): number {
    const until = this.blockedUntil.get(user);
    if (until === undefined) return 0;
    const left = until - this.clock.now();
    if (left <= 0) {
      this.blockedUntil.delete(user);
      return 0;
    }
    return left;
  }

  recordFailure(user: string): FailureOutcome {
    const count = (this.failures.get(user) ?? 0) + 1;
    if (count >= this.maxAttempts) {
      this.failures.delete(user);
      const untilMs = this.clock.now() + this.blockMs;
      this.blockedUntil.set(user, untilMs);
      return { blocked: true, untilMs };
    }
    this.failures.set(user, count);
    return { blocked: false, attemptsLeft: this.maxAttempts - count };
  }

  recordSuccess(user: string): void {
    this.failures.delete(user);
  }
}
