import { describe, expect, it } from 'vitest';
import { decodeDatagram } from './message-decoders.js';
import { decodeQuicLongHeader } from './quic-decoder.js';

/** A long-header packet of QUIC v1: type 0 Initial, 2 Handshake, 3 Retry; `body` bytes of payload. */
function longPacket(type: number, body: number, version = 1): Buffer {
  const cid = Buffer.alloc(8, 0xab);
  const head = Buffer.concat([Buffer.from([0xc0 | (type << 4) | 0x01]), Buffer.from([0, 0, 0, version]), Buffer.from([8]), cid, Buffer.from([8]), cid]);
  if (type === 3) return Buffer.concat([head, Buffer.alloc(body, 0x11)]);
  const token = type === 0 ? Buffer.from([0]) : Buffer.alloc(0);
  const len = Buffer.from([0x40 | (body >> 8), body & 0xff]); // a two-byte varint
  return Buffer.concat([head, token, len, Buffer.alloc(body, 0x22)]);
}
const shortPacket = () => Buffer.concat([Buffer.from([0x43]), Buffer.alloc(8, 0xab), Buffer.alloc(30, 0x33)]);

describe('QUIC decoder', () => {
  it('names long-header packets by type, coalesced ones in order, and a 1-RTT packet after them', () => {
    expect(decodeQuicLongHeader(Buffer.concat([longPacket(0, 1162)]))?.label).toBe('QUIC Initial');
    expect(decodeQuicLongHeader(Buffer.concat([longPacket(0, 100), longPacket(2, 300)]))?.label).toBe('QUIC Initial + Handshake');
    expect(decodeQuicLongHeader(Buffer.concat([longPacket(2, 50), shortPacket()]))?.label).toBe('QUIC Handshake + 1-RTT');
    expect(decodeQuicLongHeader(longPacket(3, 40))?.label).toBe('QUIC Retry');
    const vn = Buffer.concat([Buffer.from([0x80, 0, 0, 0, 0, 8]), Buffer.alloc(8), Buffer.from([8]), Buffer.alloc(8), Buffer.from([0, 0, 0, 1])]);
    expect(decodeQuicLongHeader(vn)?.label).toBe('QUIC Version Negotiation');
  });

  it('does not take a text datagram or an unknown version for QUIC', () => {
    expect(decodeQuicLongHeader(Buffer.from('HELLO client1'))).toBeUndefined();
    expect(decodeQuicLongHeader(longPacket(0, 100, 7))).toBeUndefined();
    expect(decodeQuicLongHeader(Buffer.from([0xc3, 0, 0, 0, 1, 200]))).toBeUndefined(); // connection ID too long
  });

  it('reads a short header as QUIC only on a flow already seen speaking QUIC', () => {
    expect(decodeDatagram(shortPacket(), true)).toEqual({ label: 'QUIC 1-RTT (encrypted)', group: 'quic' });
    expect(decodeDatagram(shortPacket(), false).label).toMatch(/^"C/);
    expect(decodeDatagram(Buffer.from('C hello'), false).group).toBe('raw');
  });
});
