import { describe, expect, it } from 'vitest';
import { DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT, RecordCipher, RecordError, recordNonce } from './record-cipher.js';

// Known-answer vectors: key = 32 x 0x11, client-to-server records 0 and 1 of the same plaintext.
// Layout: counter (8 bytes BE) || AES-256-GCM ciphertext || tag (16 bytes); nonce 'C' 00 00 00 counter; AAD "crchat-v1".
const KEY = Buffer.alloc(32, 0x11);
const PLAIN = Buffer.from('CHAT 1 hi, "you"');
const REC0 = '00000000000000000d19563e24489f52494af58ebbcd111d1b0f3e306484b6c04e0c098de0a286ac';
const REC1 = '0000000000000001d04cdf6cebd753bc11402ba62c5062ddd4e23c63fb745b2611b7434d530d8311';

const client = () => new RecordCipher(KEY, DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT);
const server = () => new RecordCipher(KEY, DIR_SERVER_TO_CLIENT, DIR_CLIENT_TO_SERVER);

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof RecordError) return err.kind;
    throw err;
  }
  return 'accepted';
}

describe('RecordCipher', () => {
  it('matches the known-answer vectors, and the nonce changes every record', () => {
    const c = client();
    expect(c.seal(PLAIN).toString('hex')).toBe(REC0);
    expect(c.seal(PLAIN).toString('hex')).toBe(REC1);
    const s = server();
    expect(s.open(Buffer.from(REC0, 'hex'))).toEqual(PLAIN);
    expect(s.open(Buffer.from(REC1, 'hex'))).toEqual(PLAIN);
  });

  it('builds nonces from the direction byte and the counter', () => {
    expect(recordNonce(DIR_SERVER_TO_CLIENT, 258n).toString('hex')).toBe('530000000000000000000102');
  });

  it('detects tampering anywhere in the record', () => {
    const rec = Buffer.from(REC0, 'hex');
    for (let i = 8; i < rec.length; i++) {
      const bad = Buffer.from(rec);
      bad[i]! ^= 0x01;
      expect(refusal(() => server().open(bad))).toBe('tamper');
    }
  });

  it('detects a replayed record and a skipped one', () => {
    const s = server();
    const r0 = Buffer.from(REC0, 'hex');
    s.open(r0);
    expect(refusal(() => s.open(r0))).toBe('replay');
    const s2 = server();
    expect(refusal(() => s2.open(Buffer.from(REC1, 'hex')))).toBe('gap');
  });

  it('refuses a record reflected back in the other direction', () => {
    const rec = client().seal(PLAIN);
    expect(refusal(() => client().open(rec))).toBe('tamper');
  });

  it('refuses a wrong key and a short record', () => {
    const other = new RecordCipher(Buffer.alloc(32, 0x22), DIR_SERVER_TO_CLIENT, DIR_CLIENT_TO_SERVER);
    expect(refusal(() => other.open(Buffer.from(REC0, 'hex')))).toBe('tamper');
    expect(refusal(() => server().open(Buffer.alloc(10)))).toBe('short');
  });
});
