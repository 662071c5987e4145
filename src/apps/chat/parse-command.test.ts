import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/usage-error.js';
import { InputLineSplitter } from './input-line-splitter.js';
import { parseClientArgs } from './parse-client-args.js';
import { parseCommand } from './parse-command.js';
import { parseServerArgs } from './parse-server-args.js';

describe('parseCommand', () => {
  it('parses every command, keeping message text as typed', () => {
    expect(parseCommand('MSG  hello  world ')).toEqual({ kind: 'request', t: 'msg', fields: { text: ' hello  world ' } });
    expect(parseCommand('msg hi')).toEqual({ kind: 'request', t: 'msg', fields: { text: 'hi' } });
    expect(parseCommand('DLT #2 25 Apr 2021 05:33:41')).toEqual({ kind: 'request', t: 'dlt', fields: { n: '#2', ts: '25 Apr 2021 05:33:41' } });
    expect(parseCommand('EDT #2 25 Apr 2021 05:33:41 new text here')).toEqual({
      kind: 'request',
      t: 'edt',
      fields: { n: '#2', ts: '25 Apr 2021 05:33:41', text: 'new text here' },
    });
    expect(parseCommand('RDM 25 Apr 2021 05:33:41')).toEqual({ kind: 'request', t: 'rdm', fields: { ts: '25 Apr 2021 05:33:41' } });
    expect(parseCommand('ATU')).toMatchObject({ t: 'atu' });
    expect(parseCommand('OUT')).toMatchObject({ t: 'out' });
    expect(parseCommand('PWD a b')).toMatchObject({ t: 'pwd', fields: { old: 'a', new: 'b' } });
    expect(parseCommand('UPD steve file.bin')).toEqual({ kind: 'upd', user: 'steve', file: 'file.bin' });
    expect(parseCommand('DM steve hi there')).toEqual({ kind: 'dm', user: 'steve', text: 'hi there' });
    expect(parseCommand('   ')).toEqual({ kind: 'empty' });
  });

  it('answers malformed input with usage or a clear error', () => {
    for (const bad of ['MSG', 'DLT #1', 'EDT #1 25 Apr 2021 05:33:41', 'RDM today', 'ATU now', 'UPD steve', 'UPD a b c', 'DM steve', 'PWD x']) {
      expect(parseCommand(bad)).toMatchObject({ kind: 'error', text: expect.stringMatching(/^Usage: /) });
    }
    expect(parseCommand('HELLO there')).toMatchObject({ kind: 'error', text: expect.stringContaining('Unknown command "HELLO"') });
  });
});

describe('command lines', () => {
  it('server: two arguments, attempts 1..5, options', () => {
    expect(parseServerArgs(['5000', '3'], {})).toEqual({ port: 5000, maxAttempts: 3, blockSeconds: 10, idleSeconds: 60, backlog: 4096 });
    expect(parseServerArgs(['5000', '3', '--backlog=2000'], { NETLAB_LISTEN_BACKLOG: '9' }).backlog).toBe(2000);
    expect(parseServerArgs(['5000', '3'], { NETLAB_LISTEN_BACKLOG: '9' }).backlog).toBe(9);
    expect(() => parseServerArgs(['5000', '3', '--backlog', 'x'], {})).toThrow(UsageError);
    expect(parseServerArgs(['5000', '5', '--block-seconds', '2', '--idle-seconds=0'])).toMatchObject({ blockSeconds: 2, idleSeconds: 0 });
    for (const bad of [[], ['5000'], ['5000', '0'], ['5000', '6'], ['5000', 'x'], ['0', '3'], ['5000', '3', '--block-seconds', '0'], ['5000', '3', '--what']]) {
      expect(() => parseServerArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
    expect(() => parseServerArgs(['5000', '9'])).toThrow('invalid number of allowed failed consecutive attempts: 9; it must be an integer from 1 to 5');
  });

  it('client: three arguments and CHAT_UDP_CHUNK', () => {
    expect(parseClientArgs(['10.0.0.1', '5000', '7001'], {})).toEqual({
      serverIp: '10.0.0.1',
      serverPort: 5000,
      udpPort: 7001,
      chunkSize: undefined,
    });
    expect(parseClientArgs(['10.0.0.1', '5000', '7001'], { CHAT_UDP_CHUNK: '1024' })).toMatchObject({ chunkSize: 1024 });
    expect(() => parseClientArgs(['10.0.0.1', '5000'], {})).toThrow(UsageError);
    expect(() => parseClientArgs(['10.0.0.1', '5000', '99999'], {})).toThrow('invalid client UDP port "99999" (1-65535)');
    expect(() => parseClientArgs(['10.0.0.1', '5000', '7001'], { CHAT_UDP_CHUNK: '10' })).toThrow('invalid CHAT_UDP_CHUNK "10" (512-60000)');
  });
});

describe('InputLineSplitter', () => {
  it('skips an overlong line entirely and keeps the following ones', () => {
    const lines: string[] = [];
    let overlong = 0;
    const s = new InputLineSplitter(8, (l) => lines.push(l), () => overlong++);
    s.push(Buffer.from('MSG a\nMSG 0123456'));
    s.push(Buffer.from('789abc\nATU\nOU'));
    s.push(Buffer.from('T\n'));
    expect(lines).toEqual(['MSG a', 'ATU', 'OUT']);
    expect(overlong).toBe(1);
  });
});
