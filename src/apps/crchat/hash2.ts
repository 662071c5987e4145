import { createHash } from 'node:crypto';

/** Domain label of hash2; never used for anything else. */
const HASH2_LABEL = Buffer.from('crchat-v1 A8 CK\0', 'latin1');

/**
 * The seed's A8: CK = hash2(rand + K), here SHA-256(label || rand || K): the 32-byte
 * AES-256-GCM key for this one log-on.
 *
 * Why: a fresh rand per CHALLENGE gives a fresh CK per log-on, so GCM nonces (counters
 * starting at 0) never repeat under the same key.
 */
export function hash2(rand: Buffer, key: string): Buffer {
  return createHash('sha256').update(HASH2_LABEL).update(rand).update(Buffer.from(key, 'utf8')).digest();
}
