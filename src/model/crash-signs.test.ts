import { describe, expect, it } from 'vitest';
import { crashText } from './crash-signs.js';

describe('crashText', () => {
  it('finds a Python traceback after other output and keeps it whole', () => {
    const err = 'warning: something\nTraceback (most recent call last):\n  File "client.py", line 294, in upload\n    with open("contact_log.txt") as f:\nFileNotFoundError: [Errno 2] No such file or directory: \'contact_log.txt\'\n';
    const t = crashText(err)!;
    expect(t.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(t.endsWith("No such file or directory: 'contact_log.txt'")).toBe(true);
  });

  it('finds an uncaught Java exception', () => {
    expect(crashText('Exception in thread "main" java.io.EOFException\n\tat java.base/java.io.ObjectInputStream\n')).toMatch(/^Exception in thread "main" java\.io\.EOFException/);
  });

  it('is undefined for stderr that only warns', () => {
    expect(crashText('DeprecationWarning: datetime.utcnow() is deprecated\nusage: client.py server_IP server_port\n')).toBeUndefined();
    expect(crashText('  Traceback (most recent call last): quoted in a sentence\n')).toBeUndefined();
  });

  it('cuts the middle of a long traceback, keeping its top and its last line', () => {
    const frames = Array.from({ length: 100 }, (_, i) => `  File "x.py", line ${i}, in f`);
    const t = crashText(['Traceback (most recent call last):', ...frames, 'RecursionError: maximum recursion depth exceeded'].join('\n'))!;
    const lines = t.split('\n');
    expect(lines.length).toBe(41);
    expect(lines[0]).toBe('Traceback (most recent call last):');
    expect(lines.at(-1)).toBe('RecursionError: maximum recursion depth exceeded');
    expect(t).toMatch(/lines left out/);
  });
});
