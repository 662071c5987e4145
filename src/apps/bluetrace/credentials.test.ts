import { describe, expect, it } from 'vitest';
import { parseCredentials } from './credentials.js';

describe('credentials.txt', () => {
  it('reads one "username password" per line, case-sensitive, tolerating CRLF and blank lines', () => {
    const warnings: string[] = [];
    const m = parseCredentials('+61410888888 comp3331\r\n\n+61410999999 Pass Word\nbroken\n', (w) => warnings.push(w));
    expect([...m]).toEqual([
      ['+61410888888', 'comp3331'],
      ['+61410999999', 'Pass Word'],
    ]);
    expect(warnings).toHaveLength(1);
  });
});
