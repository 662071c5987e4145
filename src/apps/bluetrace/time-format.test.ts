import { describe, expect, it } from 'vitest';
import { floorToSecond, formatTime, isWithin, parseTime } from './time-format.js';

describe('time format', () => {
  it('formats DD/MM/YYYY HH:MM:SS in UTC, 19 characters', () => {
    const ms = Date.UTC(2020, 4, 9, 10, 48, 29, 750);
    expect(formatTime(ms)).toBe('09/05/2020 10:48:29');
    expect(formatTime(ms)).toHaveLength(19);
  });

  it('parses what it formats, to the second', () => {
    const ms = Date.UTC(2031, 11, 31, 23, 59, 59);
    expect(parseTime(formatTime(ms + 999))).toBe(ms);
    expect(floorToSecond(ms + 999)).toBe(ms);
  });

  it('rejects malformed and impossible dates', () => {
    for (const bad of ['31/02/2020 10:00:00', '1/05/2020 10:00:00', '09/05/2020 24:00:00', '09-05-2020 10:00:00', '', '09/05/2020 10:00:00 ']) {
      expect(parseTime(bad)).toBeNull();
    }
  });

  it('treats validity as the closed interval [start, expiry]', () => {
    expect(isWithin(10, 20, 10)).toBe(true);
    expect(isWithin(10, 20, 20)).toBe(true);
    expect(isWithin(10, 20, 9)).toBe(false);
    expect(isWithin(10, 20, 21)).toBe(false);
  });
});
