import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/usage-error.js';
import { parseClientArgs } from './parse-client-args.js';
import { parseServerArgs } from './parse-server-args.js';

describe('parseClientArgs', () => {
  const noFile = (): string => {
    throw new Error('ENOENT');
  };
  it('takes ID and key from the arguments, then a key file, then the environment', () => {
    expect(parseClientArgs(['10.0.0.1', '5000', 'A', 'kA'], {}, noFile)).toEqual({ host: '10.0.0.1', udpPort: 5000, id: 'A', key: 'kA', idleTimeoutSec: 0 });
    expect(parseClientArgs(['h', '5000', '--key-file', 'f'], { CRCHAT_ID: 'X', CRCHAT_KEY: 'y' }, () => '# me\nB kB\n')).toMatchObject({ id: 'B', key: 'kB' });
    expect(parseClientArgs(['h', '5000', '--idle-timeout', '30'], { CRCHAT_ID: 'C', CRCHAT_KEY: 'kC' }, noFile)).toMatchObject({ id: 'C', key: 'kC', idleTimeoutSec: 30 });
  });

  it('refuses bad arguments with a UsageError', () => {
    for (const argv of [[], ['h'], ['h', 'x', 'A', 'k'], ['h', '0', 'A', 'k'], ['h', '5000', 'A'], ['h', '5000', 'bad/id', 'k'], ['h', '5000', 'A', 'k', '--what'], ['h', '5000']]) {
      expect(() => parseClientArgs(argv, {}, noFile), argv.join(' ')).toThrow(UsageError);
    }
    expect(() => parseClientArgs(['h', '5000', '--key-file', 'f'], {}, noFile)).toThrow(UsageError);
  });
});

describe('parseServerArgs', () => {
  it('applies the documented defaults', () => {
    expect(parseServerArgs(['5000'], {})).toEqual({
      udpPort: 5000,
      tcpPort: undefined,
      subscribersFile: 'subscribers.txt',
      historyFile: 'history.jsonl',
      idleTimeoutSec: 300,
      cookieTtlSec: 30,
      backlog: 4096,
    });
    expect(parseServerArgs(['5000', '--backlog', '1500'], {}).backlog).toBe(1500);
    expect(() => parseServerArgs(['5000', '--backlog', '0'], {})).toThrow(UsageError);
    expect(parseServerArgs(['5000', '--tcp-port', '6000', '--subscribers', 's', '--history', 'h', '--idle-timeout', '2.5'])).toMatchObject({
      tcpPort: 6000,
      subscribersFile: 's',
      historyFile: 'h',
      idleTimeoutSec: 2.5,
    });
  });

  it('refuses bad arguments with a UsageError', () => {
    for (const argv of [[], ['x'], ['70000'], ['5000', '6000'], ['5000', '--idle-timeout', '-1'], ['5000', '--bogus']]) {
      expect(() => parseServerArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});
