/** One captured frame: when, its bytes as captured, and its length on the wire. */
export interface PcapPacket {
  /** Seconds since the epoch, with microsecond (or nanosecond) fraction. */
  ts: number;
  data: Buffer;
  origLen: number;
}

/** A whole capture file: its link type (1 Ethernet, 113 Linux cooked, ...) and its frames. */
export interface Pcap {
  linkType: number;
  snapLen: number;
  packets: PcapPacket[];
  /** True when the file ends inside a record (tcpdump still writing): that record is left out. */
  partial: boolean;
}

/** Raised for a file that is not a classic pcap (pcapng is not read). */
class PcapFormatError extends Error {
  override name = 'PcapFormatError';
}

/**
 * Read a classic libpcap file (what `tcpdump -w` writes): a 24-byte header, then per frame
 * a 16-byte record header and the captured bytes. Either byte order, micro- or nanosecond
 * stamps. Why hand-written: the format is four fields, and a live file's torn last record
 * must be tolerated, which general readers treat as an error.
 */
export function readPcap(buf: Buffer): Pcap {
  if (buf.length < 24) {
    if (buf.length === 0) return { linkType: 1, snapLen: 0, packets: [], partial: false };
    throw new PcapFormatError(`a pcap file starts with a 24-byte header; this one has ${buf.length} bytes`);
  }
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) {
    le = false;
    nano = buf.readUInt32BE(0) === 0xa1b23c4d;
  }
  else throw new PcapFormatError(`not a pcap file (magic 0x${magicLE.toString(16)}; pcapng is not supported, write with tcpdump -w)`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const snapLen = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let o = 24;
  let partial = false;
  while (o < buf.length) {
    if (o + 16 > buf.length) {
      partial = true;
      break;
    }
    const sec = u32(o);
    const frac = u32(o + 4);
    const inclLen = u32(o + 8);
    const origLen = u32(o + 12);
    if (o + 16 + inclLen > buf.length) {
      partial = true;
      break;
    }
    packets.push({ ts: sec + frac / (nano ? 1e9 : 1e6), data: buf.subarray(o + 16, o + 16 + inclLen), origLen });
    o += 16 + inclLen;
  }
  return { linkType, snapLen, packets, partial };
}

/** Write frames as a little-endian microsecond pcap (tests build captures with it). */
export function writePcap(linkType: number, packets: { ts: number; data: Buffer }[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [head];
  for (const p of packets) {
    const r = Buffer.alloc(16);
    const sec = Math.floor(p.ts);
    r.writeUInt32LE(sec, 0);
    r.writeUInt32LE(Math.round((p.ts - sec) * 1e6), 4);
    r.writeUInt32LE(p.data.length, 8);
    r.writeUInt32LE(p.data.length, 12);
    parts.push(r, p.data);
  }
  return Buffer.concat(parts);
}
