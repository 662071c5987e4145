import type { Clock } from '../common/clock.js';

/** Outcome of one login attempt as the lockout sees it. */
export type LoginVerdict = 'ok' | 'wrong_password' | 'now_blocked' | 'blocked';

interface UserState {
  failures: number;
  blockedUntil: number;
}

/**
 * Consecutive-failure lockout, per username, whatever connection or IP the
 * attempt comes from.
 *
 * Why synchronous: `attempt` checks and updates in one call with no await, so
 * parallel wrong passwords from several connections are counted exactly (Node
 * runs one handler at a time). The third consecutive failure blocks the user for
 * `blockMs`; attempts during the block (right password or not) are refused and
 * not counted; a success resets the count.
 */
export class LoginGuard {
  private readonly users = new Map<string, UserState>();

  constructor(
    private readonly blockMs: number,
    private readonly clock: Clock,
    private readonly maxFailures = 3,
  ) {}

  /** True while `user` is serving a block. */
  isBlocked(user: string): boolean {
    const s = this.users.get(user);
    return s !== undefined && this.clock.now() < s.blockedUntil;
  }

  /** Record one login attempt whose password check gave `passwordOk`. */
  attempt(user: string, passwordOk: boolean): LoginVerdict {
    if (this.isBlocked(user)) return 'blocked';
    const s = this.users.get(user) ?? { failures: 0, blockedUntil: 0 };
    if (passwordOk) {
      this.users.delete(user);
      return 'ok';
    }
    s.failures += 1;
    if (s.failures >= this.maxFailures) {
      s.failures = 0;
      s.blockedUntil = this.clock.now() + this.blockMs;
      this.users.set(user, s);
      return 'now_blocked';
    }
    this.users.set(user, s);
    return 'wrong_password';
  }
}
