import type { DecodedMessage } from './decoded-message.js';

const TYPES = ['OFFER', 'ACCEPT', 'DATA', 'ACK', 'FIN', 'DONE', 'ABORT', 'DM', 'DM-ACK'];
const STATUS = ['ok', 'digest-mismatch', 'io-error'];

/**
 * The chat (seed 001) peer-to-peer datagrams: first byte 0xc7, version, type, flags,
 * u32 transfer id. DATA chunks and ACKs are grouped per transfer (one summarised arrow
 * each way); a chunk sent again (same transfer and sequence) marks the first copy lost.
 */
export function decodeChatPeerDatagram(b: Buffer): DecodedMessage | undefined {
  if (b.length < 8 || b[0] !== 0xc7) return undefined;
  const type = TYPES[b[2] - 1];
  if (!type) return undefined;
  const id = b.readUInt32BE(4);
  switch (type) {
    case 'OFFER': {
      if (b.length < 57) return { label: 'OFFER' };
      const size = Number(b.readBigUInt64BE(8));
      const chunks = b.readUInt32BE(20);
      const senderLen = b[56];
      const o = 57 + senderLen;
      const name = b.length >= o + 2 ? b.toString('utf8', o + 2, o + 2 + b.readUInt16BE(o)) : '?';
      return { label: `OFFER ${name} (${size} B, ${chunks} chunks)` };
    }
    case 'DATA':
      return { label: 'DATA', group: `data:${id}`, resendKey: b.length >= 12 ? `data:${id}:${b.readUInt32BE(8)}` : undefined };
    case 'ACK':
      return { label: 'ACK', group: `ack:${id}` };
    case 'DONE':
      return { label: `DONE ${STATUS[b[8]] ?? '?'}` };
    case 'ABORT':
      return { label: `ABORT ${b.toString('utf8', 8, 40)}` };
    default:
      return { label: type };
  }
}
