import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp } from './format-timestamp.js';

describe('timestamps', () => {
  it('formats like the seed, in UTC, and round-trips', () => {
    const ms = Date.UTC(2021, 3, 25, 5, 26, 30);
    expect(formatTimestamp(ms)).toBe('25 Apr 2021 05:26:30');
    expect(formatTimestamp(Date.UTC(2021, 0, 5, 0, 0, 9, 999))).toBe('05 Jan 2021 00:00:09');
    expect(parseTimestamp('25 Apr 2021 05:26:30')).toBe(ms);
    expect(parseTimestamp(' 25  apr 2021 5:26:30 ')).toBe(ms);
  });

  it('rejects malformed or impossible times', () => {
    for (const bad of ['', '25 Apr 2021', '31 Feb 2021 00:00:00', '25 Foo 2021 00:00:00', '25 Apr 2021 24:00:00', '2021-04-25 05:26:30']) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });
});
