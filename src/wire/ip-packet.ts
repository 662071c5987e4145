import type { PcapPacket } from './pcap-reader.js';

/** TCP flag bits as they sit in the header's 13th byte. */
export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** One IPv4 TCP or UDP packet out of a capture, with its transport payload. */
export interface IpPacket {
  ts: number;
  src: string;
  dst: string;
  proto: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** TCP only. */
  seq?: number;
  flags?: number;
}

const NFULA_TIMESTAMP = 3;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

/**
 * One attribute of an NFLOG record: a 4-byte header (family, version, resource id), then
 * type-length-value attributes in host byte order (little-endian here), each padded to 4 bytes.
 */
function nflogAttribute(d: Buffer, type: number): { offset: number; length: number } | undefined {
  for (let o = 4; o + 4 <= d.length; ) {
    const len = d.readUInt16LE(o);
    if (len < 4) return undefined;
    if (d.readUInt16LE(o + 2) === type) return { offset: o + 4, length: Math.min(len - 4, d.length - o - 4) };
    o += (len + 3) & ~3;
  }
  return undefined;
}

/** When the kernel logged an NFLOG record (NFULA_TIMESTAMP: seconds and microseconds, big-endian), if it says. */
export function nflogTimestamp(d: Buffer): number | undefined {
  const a = nflogAttribute(d, NFULA_TIMESTAMP);
  if (!a || a.length < 16) return undefined;
  return Number(d.readBigUInt64BE(a.offset)) + Number(d.readBigUInt64BE(a.offset + 8)) / 1e6;
}

/** The log prefix of an NFLOG record (the rule's --nflog-prefix), if it has one. */
export function nflogPrefix(d: Buffer): string | undefined {
  const a = nflogAttribute(d, NFULA_PREFIX);
  return a && d.toString('utf8', a.offset, a.offset + a.length).replace(/\0+$/, '');
}

/** Where the IP header starts for a link type, or undefined for a frame that carries no IPv4. */
function ipOffset(linkType: number, d: Buffer): number | undefined {
  switch (linkType) {
    case 1: {
      // Ethernet, maybe one VLAN tag
      if (d.length < 14) return undefined;
      let type = d.readUInt16BE(12);
      let o = 14;
      if (type === 0x8100 && d.length >= 18) {
        type = d.readUInt16BE(16);
        o = 18;
      }
      return type === 0x0800 ? o : undefined;
    }
    case 113: // Linux cooked (tcpdump -i any): a copy going out of an interface (type 4) is the second sighting of a packet
      return d.length >= 16 && d.readUInt16BE(14) === 0x0800 && d.readUInt16BE(0) !== 4 ? 16 : undefined;
    case 276: // Linux cooked v2
      return d.length >= 20 && d.readUInt16BE(0) === 0x0800 && d[10] !== 4 ? 20 : undefined;
    case 0: // BSD loopback: 4-byte family in host order
      return d.length >= 4 && (d.readUInt32LE(0) === 2 || d.readUInt32BE(0) === 2) ? 4 : undefined;
    case 12:
    case 101: // raw IP
      return 0;
    case 239: // NFLOG (tcpdump -i nflog:N): the packet is the payload attribute
      return nflogAttribute(d, NFULA_PAYLOAD)?.offset;
    default:
      return undefined;
  }
}

const ip4 = (d: Buffer, o: number) => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;

/**
 * Decode one frame's IPv4 and TCP/UDP headers. Fragments after the first, other
 * protocols and truncated headers give undefined: the diagrams only show TCP and UDP.
 */
export function decodeIpPacket(linkType: number, p: PcapPacket): IpPacket | undefined {
  const d = p.data;
  const o = ipOffset(linkType, d);
  if (o === undefined || d.length < o + 20 || d[o] >> 4 !== 4) return undefined;
  const ihl = (d[o] & 0x0f) * 4;
  const total = d.readUInt16BE(o + 2);
  const fragOffset = d.readUInt16BE(o + 6) & 0x1fff;
  if (fragOffset !== 0) return undefined;
  const protoNum = d[o + 9];
  const src = ip4(d, o + 12);
  const dst = ip4(d, o + 16);
  const t = o + ihl;
  const end = Math.min(d.length, o + (total || d.length - o));
  if (protoNum === 17) {
    if (end < t + 8) return undefined;
    return { ts: p.ts, src, dst, proto: 'udp', srcPort: d.readUInt16BE(t), dstPort: d.readUInt16BE(t + 2), payload: d.subarray(t + 8, end) };
  }
  if (protoNum === 6) {
    if (end < t + 20) return undefined;
    const dataOff = (d[t + 12] >> 4) * 4;
    return {
      ts: p.ts,
      src,
      dst,
      proto: 'tcp',
      srcPort: d.readUInt16BE(t),
      dstPort: d.readUInt16BE(t + 2),
      seq: d.readUInt32BE(t + 4),
      flags: d[t + 13],
      payload: d.subarray(Math.min(t + dataOff, end), end),
    };
  }
  return undefined;
}

/** Build an Ethernet/IPv4/UDP or TCP frame (tests, and the capture sync marker's check). */
export function buildFrame(p: { src: string; dst: string; proto: 'tcp' | 'udp'; srcPort: number; dstPort: number; payload: Buffer; seq?: number; flags?: number }): Buffer {
  const l4len = p.proto === 'udp' ? 8 : 20;
  const ip = Buffer.alloc(20 + l4len);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4len + p.payload.length, 2);
  ip[8] = 64;
  ip[9] = p.proto === 'udp' ? 17 : 6;
  p.src.split('.').forEach((b, i) => (ip[12 + i] = Number(b)));
  p.dst.split('.').forEach((b, i) => (ip[16 + i] = Number(b)));
  ip.writeUInt16BE(p.srcPort, 20);
  ip.writeUInt16BE(p.dstPort, 22);
  if (p.proto === 'udp') ip.writeUInt16BE(8 + p.payload.length, 24);
  else {
    ip.writeUInt32BE((p.seq ?? 0) >>> 0, 24);
    ip[32] = 5 << 4;
    ip[33] = p.flags ?? TCP.ACK;
  }
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, p.payload]);
}
