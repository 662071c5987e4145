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
  const ask = (m: Message, from = '10.0.0.2:4000'): Message | null => {
    const r = svc.handle(encodeMessage(m), from);
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
    const a = svc.handle(res, '10.0.0.2:4000');
    const b = svc.handle(res, '10.0.0.2:4000');
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

  it("keeps a real client's challenge through a HELLO flood for its ID from other sources", () => {
    const { ask, logs } = setup();
    let ok = 0;
    for (let attempt = 0; attempt < 24; attempt++) {
      const rand = challenge(ask({ type: 'HELLO', id: 'A' }, '10.0.0.2:4000'));
      // Between the real HELLO and its RESPONSE: 200 HELLOs naming A from one port of another
      // node, one from each of 40 ports of that node, and 40 from other ports of the victim's own IP.
      for (let i = 0; i < 200; i++) ask({ type: 'HELLO', id: 'A' }, '10.0.0.66:6666');
      for (let p = 0; p < 40; p++) ask({ type: 'HELLO', id: 'A' }, `10.0.0.66:${7000 + p}`);
      for (let p = 0; p < 10; p++) ask({ type: 'HELLO', id: 'A' }, `10.0.0.2:${5000 + p}`);
      const reply = ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'keyA') }, '10.0.0.2:4000');
      if (reply?.type === 'SEALED') ok++;
    }
    expect(ok).toBe(24);
    // The flood is logged only in part: at most 20 lines per source IP and second, then a count.
    expect(logs.length).toBeLessThan(200);
  });

  it('checks a RESPONSE only against challenges sent to its own IP', () => {
    const { ask } = setup();
    const rand = challenge(ask({ type: 'HELLO', id: 'A' }, '10.0.0.2:4000'));
    expect(ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'keyA') }, '10.0.0.3:4000')).toEqual({ type: 'AUTH_FAIL', reason: 'bad-response' });
    // The same IP from another port (a client whose port changed) still counts.
    expect(ask({ type: 'RESPONSE', id: 'A', res: hash1(rand, 'keyA') }, '10.0.0.2:4001')?.type).toBe('SEALED');
  });

  it('limits log lines per source IP and second and reports how many it left out', () => {
    const { ask, logs, clock } = setup();
    for (let i = 0; i < 100; i++) ask({ type: 'HELLO', id: 'A' }, '10.0.0.9:1');
    expect(logs).toHaveLength(20);
    clock.advance(1000);
    ask({ type: 'HELLO', id: 'A' }, '10.0.0.9:1');
    expect(logs.slice(20)).toEqual(['UDP 10.0.0.9: 80 more datagram(s) not logged', 'HELLO A from 10.0.0.9:1 -> CHALLENGE']);
  });
});
