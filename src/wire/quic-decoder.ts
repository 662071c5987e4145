import type { DecodedMessage } from './decoded-message.js';

// Long-header packet types by version (RFC 9000 §17.2 for v1, RFC 9369 §3.2 for v2).
const V1 = 0x00000001;
const V2 = 0x6b3343cf;
const TYPES: Record<number, readonly string[]> = {
  [V1]: ['Initial', '0-RTT', 'Handshake', 'Retry'],
  [V2]: ['Retry', 'Initial', '0-RTT', 'Handshake'],
};

/** A QUIC variable-length integer at `o`: its value and length, or undefined past the end. */
function varint(b: Buffer, o: number): { v: number; n: number } | undefined {
  if (o >= b.length) return undefined;
  const n = 1 << (b[0 + o]! >> 6);
  if (o + n > b.length) return undefined;
  let v = b[o]! & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[o + i]!;
  return { v, n };
}

/**
 * The long-header packets coalesced at the start of a datagram (Initial, 0-RTT, Handshake,
 * Retry, Version Negotiation), by type; a short-header (1-RTT) packet after them is named too.
 * Strict about the header (fixed bit, a known version, connection IDs of at most 20 bytes),
 * so a student's own datagram is not taken for QUIC; undefined when it is not one.
 */
export function decodeQuicLongHeader(b: Buffer): DecodedMessage | undefined {
  const names: string[] = [];
  let o = 0;
  while (o < b.length) {
    const first = b[o]!;
    if (!(first & 0x80)) {
      // A short header after long ones: the rest of the datagram is one 1-RTT packet.
      if (names.length && first & 0x40) names.push('1-RTT');
      break;
    }
    if (o + 7 > b.length) return names.length ? { label: `QUIC ${names.join(' + ')}` } : undefined;
    const version = b.readUInt32BE(o + 1);
    const dcid = b[o + 5]!;
    if (dcid > 20 || o + 6 + dcid >= b.length) return undefined;
    const scidAt = o + 6 + dcid;
    const scid = b[scidAt]!;
    if (scid > 20 || scidAt + 1 + scid > b.length) return undefined;
    if (version === 0) return names.length ? undefined : { label: 'QUIC Version Negotiation' };
    const types = TYPES[version];
    if (!types || !(first & 0x40)) return undefined;
    const type = types[(first >> 4) & 3]!;
    names.push(type);
    if (type === 'Retry') break; // a Retry fills the rest of the datagram
    let p = scidAt + 1 + scid;
    if (type === 'Initial') {
      const token = varint(b, p);
      if (!token) return undefined;
      p += token.n + token.v;
    }
    const len = varint(b, p);
    if (!len) return undefined;
    o = p + len.n + len.v;
  }
  if (!names.length) return undefined;
  return { label: `QUIC ${names.join(' + ')}` };
}

/** A short-header (1-RTT) QUIC packet: only asked of a UDP flow already seen speaking QUIC. */
export function decodeQuicShortHeader(b: Buffer): DecodedMessage | undefined {
  if (b.length < 2 || (b[0]! & 0xc0) !== 0x40) return undefined;
  return { label: 'QUIC 1-RTT (encrypted)', group: 'quic' };
}
