import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('starts where told (or at 2024-01-01 12:00 UTC) and only moves when told', () => {
    expect(new ManualClock().now()).toBe(Date.UTC(2024, 0, 1, 12, 0, 0));
    const c = new ManualClock(1_000);
    c.advance(250);
    expect(c.now()).toBe(1_250);
    c.set(100);
    expect(c.now()).toBe(100);
  });

  it('fires due timers in deadline order, ties in arming order, each at its own instant', () => {
    const c = new ManualClock(0);
    const fired: string[] = [];
    c.setTimeout(() => fired.push(`b@${c.now()}`), 20);
    c.setTimeout(() => fired.push(`a@${c.now()}`), 10);
    c.setTimeout(() => fired.push(`c@${c.now()}`), 20);
    const gone = c.setTimeout(() => fired.push('cancelled'), 5);
    c.clearTimeout(gone);
    c.setTimeout(() => fired.push('late'), 31);
    c.advance(30);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(c.now()).toBe(30);
    expect(c.pending).toBe(1);
  });

  it('runs a timer armed by a firing timer if it falls due in the same advance', () => {
    const c = new ManualClock(0);
    const fired: number[] = [];
    c.setTimeout(() => {
      fired.push(c.now());
      c.setTimeout(() => fired.push(c.now()), 5);
    }, 5);
    c.advance(10);
    expect(fired).toEqual([5, 10]);
    expect(c.pending).toBe(0);
  });

  it('set() forward fires timers due by then; set() backward fires none', () => {
    const c = new ManualClock(1_000);
    let n = 0;
    c.setTimeout(() => n++, 100); // due at 1_100
    c.set(500);
    expect(n).toBe(0);
    c.set(1_099);
    expect(n).toBe(0);
    c.set(1_100);
    expect(n).toBe(1);
    expect(c.pending).toBe(0);
  });
});

describe('systemClock', () => {
  it('reads the wall clock and arms unref’d timers that can be cleared', () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    const t = systemClock.setTimeout(() => {
      throw new Error('should have been cleared');
    }, 10_000) as NodeJS.Timeout;
    expect(t.hasRef()).toBe(false);
    systemClock.clearTimeout(t);
  });
});
