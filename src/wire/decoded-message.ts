/**
 * One application message as a decoder names it. `group` gathers a long run of similar
 * messages (a transfer's chunks) into one summarised arrow; `resendKey` repeating means
 * the sender sent it again, so the earlier copy is taken as lost.
 */
export interface DecodedMessage {
  label: string;
  group?: string;
  resendKey?: string;
}

/** Reads one direction of a TCP connection, chunk by chunk, naming whole messages. */
export interface StreamDecoder {
  push(chunk: Buffer): DecodedMessage[];
}

/** The first printable bytes of a payload, for protocols no decoder knows (a student's own). */
export function printable(b: Buffer, n = 32): string {
  const s = b
    .subarray(0, n)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `"${s}${b.length > n ? '…' : ''}" (${b.length} B)`;
}
