import { describe, expect, it } from 'vitest';
import { encodeMessage, MessageSyntaxError } from './encode-message.js';
import type { Message } from './message.js';
import { parseMessage } from './parse-message.js';

const samples: Message[] = [
  { type: 'HELLO', id: 'Client-ID-A' },
  { type: 'CHALLENGE', rand: '00112233445566778899aabbccddeeff' },
  { type: 'RESPONSE', id: 'A', res: 'ab'.repeat(32) },
  { type: 'AUTH_FAIL', reason: 'unknown-id' },
  { type: 'SEALED', record: 'AAECAw==' },
  { type: 'AUTH_SUCCESS', cookie: 'ff'.repeat(16), port: 65535 },
  { type: 'IDENT', id: 'b.2_x' },
  { type: 'CONNECT', cookie: '0f'.repeat(16) },
  { type: 'CONNECTED' },
  { type: 'CHAT_REQUEST', peer: 'B' },
  { type: 'CHAT_STARTED', session: 12, peer: 'B' },
  { type: 'UNREACHABLE', peer: 'B' },
  { type: 'END_REQUEST', session: 1 },
  { type: 'END_NOTIF', session: 999999 },
  { type: 'CHAT', session: 3, text: 'hello, "world" — it\'s 10°C, ok?' },
  { type: 'CHAT', session: 3, text: '  leading and trailing spaces  ' },
  { type: 'CHAT', session: 3, text: 'CHAT 4 not a header 日本語 😀 \\n' },
  { type: 'HISTORY_REQ', peer: 'B' },
  { type: 'HISTORY_RESP', session: 7, from: 'A', text: 'a,b,"c"' },
  { type: 'HISTORY_END', peer: 'B', count: 0 },
  { type: 'DISCONNECT', reason: 'idle-timeout' },
  { type: 'ERROR', reason: 'malformed' },
];

function refused(text: string | Buffer): boolean {
  try {
    parseMessage(typeof text === 'string' ? Buffer.from(text) : text);
  } catch (err) {
    if (err instanceof MessageSyntaxError) return true;
    throw err;
  }
  return false;
}

describe('message syntax', () => {
  it.each(samples.map((m) => [m.type, m] as const))('%s round-trips exactly', (_t, m) => {
    expect(parseMessage(encodeMessage(m))).toEqual(m);
  });

  it('writes the documented syntax', () => {
    expect(encodeMessage({ type: 'CHAT', session: 3, text: 'a, "b"' }).toString()).toBe('CHAT 3 a, "b"');
    expect(encodeMessage({ type: 'HISTORY_RESP', session: 2, from: 'A', text: 'x y' }).toString()).toBe('HISTORY_RESP 2 A x y');
    expect(encodeMessage({ type: 'CONNECTED' }).toString()).toBe('CONNECTED');
  });

  it('refuses malformed payloads', () => {
    for (const bad of [
      '',
      'HELLO',
      'HELLO ',
      'HELLO A B',
      'HELLO  A',
      'hello A',
      'NOPE A',
      'CHALLENGE 0011',
      'CHALLENGE ' + 'G'.repeat(32),
      'AUTH_SUCCESS ' + 'ff'.repeat(16) + ' 65536',
      'AUTH_SUCCESS ' + 'ff'.repeat(16) + ' 0',
      'CHAT 0 hi',
      'CHAT 01 hi',
      'CHAT 1',
      'CHAT 1 ',
      'CHAT x hi',
      'CONNECTED extra',
      'CHAT_REQUEST bad/id',
      'HISTORY_END B -1',
      'CHAT 1 ' + 'x'.repeat(4097),
      'toString',
      '__proto__ x',
    ]) {
      expect(refused(bad), bad).toBe(true);
    }
    expect(refused(Buffer.from([0x43, 0x48, 0x41, 0x54, 0x20, 0x31, 0x20, 0xff, 0xfe]))).toBe(true);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => encodeMessage({ type: 'CHAT', session: 1, text: '' })).toThrow(MessageSyntaxError);
    expect(() => encodeMessage({ type: 'HELLO', id: 'has space' })).toThrow(MessageSyntaxError);
  });

  it('limits types when asked', () => {
    expect(() => parseMessage(Buffer.from('CONNECTED'), new Set(['HELLO']))).toThrow(MessageSyntaxError);
  });
});
