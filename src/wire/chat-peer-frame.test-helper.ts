import { buildFrame } from './ip-packet.js';

/** A chat (seed 001) peer datagram as captured: 0xc7, version 1, type, transfer id, sequence; `size` bytes. */
export function chatPeerFrame(src: string, dst: string, type: number, transfer: number, seq: number, ts: number, size = 16) {
  const b = Buffer.alloc(size);
  b[0] = 0xc7;
  b[1] = 1;
  b[2] = type;
  b.writeUInt32BE(transfer, 4);
  b.writeUInt32BE(seq, 8);
  return { ts, data: buildFrame({ src, dst, proto: 'udp', srcPort: 6000, dstPort: 6001, payload: b }) };
}
