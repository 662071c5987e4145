import { createHash } from 'node:crypto';

/** Domain label of hash1; never used for anything else. */
const HASH1_LABEL = Buffer.from('crchat-v1 A3 RES\0', 'latin1');

/**
 * The seed's A3: RES = hash1(rand + K), here SHA-256(label || rand || K) as 64 hex digits.
 *
 * Why the label: hash2 hashes the same rand and K; distinct labels make RES (sent in clear)
 * and the cipher key CK unrelated, so seeing RES on the wire tells nothing about CK.
 */
export function hash1(rand: Buffer, key: string): string {
  return createHash('sha256').update(HASH1_LABEL).update(rand).update(Buffer.from(key, 'utf8')).digest('hex');
}
