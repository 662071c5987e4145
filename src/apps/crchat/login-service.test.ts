import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/manual-clock.js';
import { CookieJar } from './cookie-jar.js';
import { encodeMessage } from './encode-message.js';
import { hash1 } from './hash1.js';
import { hash2 } from './hash2.js';
import { LoginService } from './login-service.js';
import type { Message } from './message.js';
import { parseMessage } from './parse-message.js';
import { DIR_UDP_AUTH, RecordCipher } from './record-cipher.js';

function setup() {
  const clock = new ManualClock();
  const cookies = new CookieJar(clock, 30_000);
  const logs: string[] = [];
  const svc = new LoginService({
    subscribers: new Map([['A', 'keyA']]),
    cookies,
    clock,
    tcpPort: () => 5000,
    challengeTtlMs: 30_000,
    log: (l) => logs.push(l),
  });
  const ask = (m: Message): Message | null => {
    const r = svc.handle(encodeMessage(m), 'test');
    return r && parseMessage(r);
  };
  return { clock, cookies, svc, ask, logs };
}

function challenge(m: Message | null): Buffer {
  if (m?.type !== 'CHALLENGE') throw new Error(`expected CHALLENGE, got ${m?.type}`);
  return Buffer.from(m.rand, 'hex');
}

describe('LoginService', () => {
  it('refuses an unknown ID', () => {
    const { ask } = setup();
    expect(ask({ type: 'HELLO', id: 'Z' })).toEqual({ type: 'AUTH_FAIL', reason: 'unknown-id' });
    expect(ask({ type: 'RESPONSE', id: 'Z', res: '0'.repeat(64) })).toEqual({ type: 'AUTH_FAIL', reason: 'unknown-id' });
  });

  it('sends a fresh rand at every CHALLENGE', () => {
    const { ask } = setup();
    const r1 = challenge(ask({ type: 'HELLO', id: 'A' }));
    const r2 = challenge(ask({ type: 'HELLO', id: 'A' }));
    expect(r1.equals(r2)).toBe(false);
  });

  it('answers a correct RESPONSE with AUTH_SUCCESS sealed under CK = hash2', () => {
    const { ask, cookies } = setup();
    const rand = challenge(ask({ type: 'HELLO', id: 'A' }));
    const reply = ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'keyA') });
    expect(reply?.type).toBe('SEALED');
    const record = Buffer.from((reply as { record: string }).record, 'base64');
    const inner = parseMessage(new RecordCipher(hash2(rand, 'keyA'), DIR_UDP_AUTH, DIR_UDP_AUTH).open(record));
    expect(inner).toMatchObject({ type: 'AUTH_SUCCESS', port: 5000 });
    expect(cookies.take('A', (inner as { cookie: string }).cookie)).toBeNull();
  });

  it('answers a wrong key with AUTH_FAIL', () => {
    const { ask } = setup();
    const rand = challenge(ask({ type: 'HELLO', id: 'A' }));
    expect(ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'wrong') })).toEqual({ type: 'AUTH_FAIL', reason: 'bad-response' });
  });

  it('accepts a RESPONSE to an earlier CHALLENGE (HELLO retransmitted) and repeats AUTH_SUCCESS byte for byte', () => {
    const { svc, ask } = setup();
    const first = challenge(ask({ type: 'HELLO', id: 'A' }));
    challenge(ask({ type: 'HELLO', id: 'A' }));
    const res = encodeMessage({ type: 'RESPONSE', id: 'A', res: hash1(first, 'keyA') });
    const a = svc.handle(res, 't');
    const b = svc.handle(res, 't');
    expect(a?.toString()).toMatch(/^SEALED /);
    expect(b).toEqual(a);
  });

  it('forgets a challenge after its lifetime', () => {
    const { ask, clock } = setup();
    const rand = challenge(ask({ type: 'HELLO', id: 'A' }));
    clock.advance(30_000);
    expect(ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'keyA') })?.type).toBe('AUTH_FAIL');
  });

  it('drops oversized and malformed datagrams silently', () => {
    const { svc, logs } = setup();
    expect(svc.handle(Buffer.alloc(5000, 0x41), 't')).toBeNull();
    expect(svc.handle(Buffer.from('HELLO'), 't')).toBeNull();
    expect(svc.handle(Buffer.from([0xff, 0x00, 0x13]), 't')).toBeNull();
    expect(svc.handle(Buffer.from('CONNECTED'), 't')).toBeNull();
    expect(logs.filter((l) => l.startsWith('UDP drop'))).toHaveLength(4);
  });
});
