import type { Clock } from '../common/clock.js';

/**
 * A clock that runs at real speed but can be set ahead or behind by an offset.
 *
 * Why: the lab has no clock step yet (a teammate is building one); until then the server,
 * the issuer and the phones read TACW_CLOCK_OFFSET (seconds) at start and accept a
 * `clock +3h` command on stdin, so a scenario can move one node into another time slot,
 * expire a JWT or age visits past the retention without waiting.
 */
export class OffsetClock implements Clock {
  constructor(
    private readonly base: Clock,
    public offsetMs = 0,
  ) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  /** Builds one from TACW_CLOCK_OFFSET (a duration such as -600, +3h, 15d); throws on a bad value. */
  static fromEnv(base: Clock, env: NodeJS.ProcessEnv = process.env): OffsetClock {
    const v = env.TACW_CLOCK_OFFSET;
    if (v === undefined || v === '') return new OffsetClock(base);
    const ms = parseOffset(v);
    if (ms === undefined) throw new Error(`TACW_CLOCK_OFFSET: "${v}" is not a duration such as -600, +3h or 15d`);
    return new OffsetClock(base, ms);
  }
}

const UNIT_MS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "+3h", "-10m", "15d", "90", "-600s" → milliseconds; undefined when it is none of these. */
export function parseOffset(text: string): number | undefined {
  const m = /^([+-]?)(\d{1,9})(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3] ?? '']!;
}

/** "+3h 0m 0s"-style rendering of an offset, for `clock` answers. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${Math.abs(Math.round(ms / 1000))}s`;
}
