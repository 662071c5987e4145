import { describe, expect, it } from 'vitest';
import { hash1 } from './hash1.js';
import { hash2 } from './hash2.js';

// Known-answer vectors, computed once (and checked against Python's hashlib):
// SHA-256("crchat-v1 A3 RES\0" || rand || "secretA") and SHA-256("crchat-v1 A8 CK\0" || rand || "secretA").
const RAND = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const HASH1_KAT = '201d6960d7295be7bbd3d090142f36ac5f32a60bee9846c1be2a8f4fd7846b15';
const HASH2_KAT = '30e2c9ce7d757ff96b320927a901e5550acba8bb0c624886726f0ccfbc10fcd8';

describe('hash1 / hash2', () => {
  it('match the known-answer vectors', () => {
    expect(hash1(RAND, 'secretA')).toBe(HASH1_KAT);
    expect(hash2(RAND, 'secretA').toString('hex')).toBe(HASH2_KAT);
  });

  it('are domain-separated: same inputs, unrelated outputs', () => {
    expect(hash1(RAND, 'secretA')).not.toBe(hash2(RAND, 'secretA').toString('hex'));
  });

  it('depend on both rand and key', () => {
    const other = Buffer.from(RAND);
    other[15] ^= 1;
    expect(hash1(other, 'secretA')).not.toBe(HASH1_KAT);
    expect(hash1(RAND, 'secretB')).not.toBe(HASH1_KAT);
    expect(hash2(RAND, 'secretB').toString('hex')).not.toBe(HASH2_KAT);
  });

  it('gives a 32-byte AES-256 key', () => {
    expect(hash2(RAND, 'k').length).toBe(32);
  });
});
