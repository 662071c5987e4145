import { describe, expect, it } from 'vitest';
import { crashText, missingLibrary } from './crash-signs.js';

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

describe('missingLibrary', () => {
  it('names what Python, javac, the JVM and a C compiler could not find', () => {
    expect(missingLibrary("Traceback (most recent call last):\n  File \"server.py\", line 4\nModuleNotFoundError: No module named 'tabulate'")).toMatch(/^imports tabulate, which the grading image does not have; ask your instructor/);
    expect(missingLibrary("ModuleNotFoundError: No module named 'scipy.stats'")).toMatch(/^imports scipy,/);
    expect(missingLibrary('Server.java:3: error: package org.json does not exist')).toMatch(/^imports the Java package org\.json,/);
    expect(missingLibrary('Exception in thread "main" java.lang.NoClassDefFoundError: com/google/gson/Gson')).toMatch(/^uses the Java class com\.google\.gson\.Gson,/);
    expect(missingLibrary('server.c:3:10: fatal error: openssl/sha.h: No such file or directory')).toMatch(/^includes openssl\/sha\.h,/);
  });

  it('is undefined for other failures', () => {
    expect(missingLibrary("FileNotFoundError: [Errno 2] No such file or directory: 'contact_log.txt'")).toBeUndefined();
    expect(missingLibrary(undefined)).toBeUndefined();
  });
});
