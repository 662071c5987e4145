import { CHAT_LIMITS } from './chat-limits.js';

/** First byte of every peer datagram. */
const PEER_MAGIC = 0xc7;
/** Bytes before a DATA payload (common header 8 + sequence 4). */
export const DATA_HEADER_BYTES = 12;
/** Largest selective-ack bitmap, in bytes (covers 512 chunks past the cumulative point). */
export const MAX_SACK_BYTES = 64;

export type PeerPacket =
  | { type: 'offer'; id: number; size: number; chunkSize: number; chunkCount: number; sha256: Buffer; sender: string; fileName: string }
  | { type: 'accept'; id: number }
  | { type: 'data'; id: number; seq: number; payload: Buffer }
  | { type: 'ack'; id: number; cumulative: number; sack: Buffer }
  | { type: 'fin'; id: number }
  | { type: 'done'; id: number; status: 'ok' | 'digest-mismatch' | 'io-error'; sha256: Buffer }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'dm'; id: number; sender: string; text: string }
  | { type: 'dm-ack'; id: number };

const TYPES = ['offer', 'accept', 'data', 'ack', 'fin', 'done', 'abort', 'dm', 'dm-ack'] as const;
/** Type byte of DATA (TYPES index + 1), for the fast paths that skip the general codec. */
const DATA_TYPE = 3;
const STATUSES = ['ok', 'digest-mismatch', 'io-error'] as const;

function header(type: PeerPacket['type'], id: number, extra: number): Buffer {
  const b = Buffer.alloc(8 + extra);
  b[0] = PEER_MAGIC;
  b[1] = CHAT_LIMITS.protocolVersion;
  b[2] = TYPES.indexOf(type) + 1;
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

/**
 * Encode a peer datagram: magic, version, type, flags, u32 transfer (or DM) id, then the
 * type's fields, all big-endian. See docs/protocols/chat.md for the byte layout.
 *
 * Why: a compact fixed binary header keeps per-chunk overhead at 12 bytes, and the
 * magic/version bytes let a receiver drop anything that is not ours.
 */
export function encodePeerPacket(p: PeerPacket): Buffer {
  switch (p.type) {
    case 'offer': {
      const sender = Buffer.from(p.sender, 'utf8');
      const name = Buffer.from(p.fileName, 'utf8');
      const b = header(p.type, p.id, 8 + 4 + 4 + 32 + 1 + sender.length + 2 + name.length);
      let o = 8;
      b.writeBigUInt64BE(BigInt(p.size), o);
      o += 8;
      b.writeUInt32BE(p.chunkSize, o);
      o += 4;
      b.writeUInt32BE(p.chunkCount, o);
      o += 4;
      p.sha256.copy(b, o);
      o += 32;
      b[o++] = sender.length;
      sender.copy(b, o);
      o += sender.length;
      b.writeUInt16BE(name.length, o);
      name.copy(b, o + 2);
      return b;
    }
    case 'data': {
      const b = header(p.type, p.id, 4 + p.payload.length);
      b.writeUInt32BE(p.seq, 8);
      p.payload.copy(b, DATA_HEADER_BYTES);
      return b;
    }
    case 'ack': {
      const b = header(p.type, p.id, 4 + 2 + p.sack.length);
      b.writeUInt32BE(p.cumulative, 8);
      b.writeUInt16BE(p.sack.length, 12);
      p.sack.copy(b, 14);
      return b;
    }
    case 'done': {
      const b = header(p.type, p.id, 1 + 32);
      b[8] = STATUSES.indexOf(p.status);
      p.sha256.copy(b, 9);
      return b;
    }
    case 'abort':
      return Buffer.concat([header(p.type, p.id, 0), Buffer.from(p.reason.slice(0, 200), 'utf8')]);
    case 'dm': {
      const sender = Buffer.from(p.sender, 'utf8');
      const b = header(p.type, p.id, 1 + sender.length);
      b[8] = sender.length;
      sender.copy(b, 9);
      return Buffer.concat([b, Buffer.from(p.text, 'utf8')]);
    }
    default:
      return header(p.type, p.id, 0);
  }
}

/**
 * The 12-byte header of a DATA datagram; the payload is sent beside it as a second buffer
 * (one datagram, gathered by the kernel), so the sender never copies file bytes.
 */
export function encodeDataHeader(id: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(DATA_HEADER_BYTES);
  b[0] = PEER_MAGIC;
  b[1] = CHAT_LIMITS.protocolVersion;
  b[2] = DATA_TYPE;
  b[3] = 0;
  b.writeUInt32BE(id >>> 0, 4);
  b.writeUInt32BE(seq >>> 0, 8);
  return b;
}

/** True when `b` is a well-formed DATA datagram of our version (id at 4, seq at 8, payload from 12). */
export function isDataPacket(b: Buffer): boolean {
  return b.length >= DATA_HEADER_BYTES && b[0] === PEER_MAGIC && b[1] === CHAT_LIMITS.protocolVersion && b[2] === DATA_TYPE;
}

/** Decode a datagram; undefined for anything malformed or of another version. */
export function decodePeerPacket(b: Buffer): PeerPacket | undefined {
  try {
    if (b.length < 8 || b[0] !== PEER_MAGIC || b[1] !== CHAT_LIMITS.protocolVersion) return undefined;
    const type = TYPES[b[2]! - 1];
    const id = b.readUInt32BE(4);
    switch (type) {
      case 'offer': {
        let o = 8;
        const size = Number(b.readBigUInt64BE(o));
        o += 8;
        const chunkSize = b.readUInt32BE(o);
        o += 4;
        const chunkCount = b.readUInt32BE(o);
        o += 4;
        const sha256 = Buffer.from(b.subarray(o, o + 32));
        o += 32;
        const senderLen = b[o++]!;
        const sender = b.toString('utf8', o, o + senderLen);
        o += senderLen;
        const nameLen = b.readUInt16BE(o);
        const fileName = b.toString('utf8', o + 2, o + 2 + nameLen);
        if (sha256.length !== 32 || o + 2 + nameLen > b.length) return undefined;
        return { type, id, size, chunkSize, chunkCount, sha256, sender, fileName };
      }
      case 'data':
        return { type, id, seq: b.readUInt32BE(8), payload: b.subarray(DATA_HEADER_BYTES) };
      case 'ack': {
        const len = b.readUInt16BE(12);
        if (14 + len > b.length || len > MAX_SACK_BYTES) return undefined;
        return { type, id, cumulative: b.readUInt32BE(8), sack: b.subarray(14, 14 + len) };
      }
      case 'done': {
        const status = STATUSES[b[8]!];
        if (!status || b.length < 41) return undefined;
        return { type, id, status, sha256: Buffer.from(b.subarray(9, 41)) };
      }
      case 'abort':
        return { type, id, reason: b.toString('utf8', 8) };
      case 'dm': {
        const len = b[8]!;
        if (9 + len > b.length) return undefined;
        return { type, id, sender: b.toString('utf8', 9, 9 + len), text: b.toString('utf8', 9 + len) };
      }
      case 'accept':
      case 'fin':
      case 'dm-ack':
        return { type, id };
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
