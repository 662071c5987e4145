import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { LoginGuard } from './login-guard.js';

describe('LoginGuard', () => {
  it('blocks on the third consecutive failure for block_duration, then lets the user in', () => {
    const clock = new ManualClock();
    const g = new LoginGuard(10_000, clock);
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('now_blocked');
    expect(g.attempt('a', true)).toBe('blocked');
    clock.advance(9_999);
    expect(g.attempt('a', true)).toBe('blocked');
    clock.advance(1);
    expect(g.isBlocked('a')).toBe(false);
    expect(g.attempt('a', true)).toBe('ok');
  });

  it('does not count attempts made during the block, and starts afresh after it', () => {
    const clock = new ManualClock();
    const g = new LoginGuard(5_000, clock);
    for (let i = 0; i < 3; i++) g.attempt('a', false);
    for (let i = 0; i < 10; i++) expect(g.attempt('a', false)).toBe('blocked');
    clock.advance(5_000);
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('now_blocked');
  });

  it('resets the count on success (failures must be consecutive)', () => {
    const g = new LoginGuard(5_000, new ManualClock());
    g.attempt('a', false);
    g.attempt('a', false);
    expect(g.attempt('a', true)).toBe('ok');
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('wrong_password');
    expect(g.attempt('a', false)).toBe('now_blocked');
  });

  it('keeps users apart', () => {
    const g = new LoginGuard(5_000, new ManualClock());
    for (let i = 0; i < 3; i++) g.attempt('a', false);
    expect(g.attempt('b', true)).toBe('ok');
    expect(g.isBlocked('a')).toBe(true);
  });

  it('a zero block_duration blocks for no time at all', () => {
    const g = new LoginGuard(0, new ManualClock());
    for (let i = 0; i < 3; i++) g.attempt('a', false);
    expect(g.attempt('a', true)).toBe('ok');
  });
});
