import { createCipheriv, createDecipheriv } from 'node:crypto';

/** Direction bytes: first byte of every nonce, so the two directions never share a nonce. */
export const DIR_CLIENT_TO_SERVER = 0x43; // 'C'
export const DIR_SERVER_TO_CLIENT = 0x53; // 'S'
/** The UDP AUTH_SUCCESS datagram (one record per CK). */
export const DIR_UDP_AUTH = 0x55; // 'U'

/** Additional authenticated data of every record: binds records to this protocol version. */
const RECORD_AAD = Buffer.from('crchat-v1', 'latin1');

const COUNTER_BYTES = 8;
const TAG_BYTES = 16;
const MAX_COUNTER = (1n << 64n) - 1n;

/** Why a record was refused; the connection is closed on any of them. */
export type RecordErrorKind = 'short' | 'replay' | 'gap' | 'tamper';

/** A sealed record failed to open. Callers catch it by class and drop the connection. */
export class RecordError extends Error {
  constructor(readonly kind: RecordErrorKind) {
    super(`record refused: ${kind}`);
    this.name = 'RecordError';
  }
}

/** 12-byte GCM nonce: direction byte, three zero bytes, 64-bit big-endian counter. */
export function recordNonce(dir: number, counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n[0] = dir;
  n.writeBigUInt64BE(counter, 4);
  return n;
}

/**
 * AES-256-GCM for one connection: record = counter (8 bytes BE) || ciphertext || tag (16).
 *
 * Why: GCM authenticates, so a flipped bit fails the tag (tamper); each side sends with a
 * counter that only goes up and the receiver only accepts the next expected counter, so a
 * replayed, dropped or reordered record is refused. Nonce = direction + counter, never
 * reused under one CK.
 */
export class RecordCipher {
  private sendCounter = 0n;
  private recvCounter = 0n;

  constructor(
    private readonly key: Buffer,
    private readonly sendDir: number,
    private readonly recvDir: number,
  ) {
    if (key.length !== 32) throw new RangeError('AES-256 key must be 32 bytes');
  }

  seal(plaintext: Buffer): Buffer {
    const counter = this.sendCounter;
    if (counter > MAX_COUNTER) throw new RangeError('record counter exhausted');
    this.sendCounter++;
    const c = createCipheriv('aes-256-gcm', this.key, recordNonce(this.sendDir, counter));
    c.setAAD(RECORD_AAD);
    const head = Buffer.alloc(COUNTER_BYTES);
    head.writeBigUInt64BE(counter);
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([head, body, c.getAuthTag()]);
  }

  open(record: Buffer): Buffer {
    if (record.length < COUNTER_BYTES + TAG_BYTES) throw new RecordError('short');
    const counter = record.readBigUInt64BE(0);
    if (counter < this.recvCounter) throw new RecordError('replay');
    if (counter > this.recvCounter) throw new RecordError('gap');
    const d = createDecipheriv('aes-256-gcm', this.key, recordNonce(this.recvDir, counter));
    d.setAAD(RECORD_AAD);
    d.setAuthTag(record.subarray(record.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(record.subarray(COUNTER_BYTES, record.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new RecordError('tamper');
    }
    this.recvCounter++;
    return plain;
  }
}
