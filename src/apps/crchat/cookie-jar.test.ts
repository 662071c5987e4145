import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { CookieJar } from './cookie-jar.js';

const CK = Buffer.alloc(32, 1);
const COOKIE = 'ab'.repeat(16);

describe('CookieJar', () => {
  it('accepts the right cookie once', () => {
    const jar = new CookieJar(new ManualClock(), 1000);
    jar.issue('A', COOKIE, CK);
    expect(jar.keyFor('A')).toEqual(CK);
    expect(jar.take('A', COOKIE)).toBeNull();
    expect(jar.take('A', COOKIE)).toBe('no-cookie');
    expect(jar.keyFor('A')).toBeUndefined();
  });

  it('refuses an expired cookie', () => {
    const clock = new ManualClock();
    const jar = new CookieJar(clock, 1000);
    jar.issue('A', COOKIE, CK);
    clock.advance(1000);
    expect(jar.take('A', COOKIE)).toBe('expired-cookie');
  });

  it('binds a cookie to its ID', () => {
    const jar = new CookieJar(new ManualClock(), 1000);
    jar.issue('A', COOKIE, CK);
    jar.issue('B', 'cd'.repeat(16), CK);
    expect(jar.take('B', COOKIE)).toBe('bad-cookie');
    expect(jar.take('A', COOKIE)).toBeNull();
  });

  it('burns the cookie on a wrong guess', () => {
    const jar = new CookieJar(new ManualClock(), 1000);
    jar.issue('A', COOKIE, CK);
    expect(jar.take('A', 'cd'.repeat(16))).toBe('bad-cookie');
    expect(jar.take('A', COOKIE)).toBe('no-cookie');
  });
});
