import { FrameTooLongError } from './line-decoder.js';

/**
 * Splits a byte stream into frames each preceded by a 4-byte big-endian length.
 * Used where frames are binary (ciphertext) and cannot be newline-delimited.
 */
export class LengthPrefixedDecoder {
  private buf: Buffer = Buffer.alloc(0);

  constructor(readonly maxLength: number) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > this.maxLength) throw new FrameTooLongError(this.maxLength);
      if (this.buf.length < 4 + len) break;
      frames.push(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return frames;
  }
}

/** Prefix a payload with its 4-byte big-endian length. */
export function encodeLengthPrefixed(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}
