import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgsOrExit } from './parse-args-or-exit.js';
import { parseArgv } from './parse-argv.js';
import { UsageError } from './usage-error.js';

describe('parseArgv', () => {
  it('returns flags and positionals in any order', () => {
    const { values, positionals } = parseArgv(['5000', '--ttl', '30', 'x', '--on'], { ttl: { type: 'string' }, on: { type: 'boolean' } });
    expect(values).toEqual({ ttl: '30', on: true });
    expect(positionals).toEqual(['5000', 'x']);
  });

  it('turns unknown flags and missing values into UsageError', () => {
    expect(() => parseArgv(['--what'], {})).toThrow(UsageError);
    expect(() => parseArgv(['--ttl'], { ttl: { type: 'string' } })).toThrow(UsageError);
  });
});

describe('parseArgsOrExit', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('passes the parsed value through', () => {
    expect(parseArgsOrExit('prog', 'Usage: prog', () => 42)).toBe(42);
  });

  it('prints "<program>: <message>" and the usage on stderr, then exits 2', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
      throw new Error(`exit ${code}`);
    });
    expect(() =>
      parseArgsOrExit('prog', 'Usage: prog <port>', () => {
        throw new UsageError('bad port: x');
      }),
    ).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    expect(written.join('')).toBe('prog: bad port: x\nUsage: prog <port>\n');
  });

  it('rethrows anything that is not a UsageError', () => {
    expect(() =>
      parseArgsOrExit('prog', 'Usage', () => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });
});
