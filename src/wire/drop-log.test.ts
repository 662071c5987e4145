import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFrame } from './ip-packet.js';
import { writePcap } from './pcap-reader.js';
import { droppedAmong, readDropLog } from './drop-log.js';

/** An NFLOG record as the kernel writes it: header, then TLVs (little-endian), padded to 4. */
function nflogRecord(ip: Buffer, prefix: string, sec: number, usec: number): Buffer {
  const tlv = (type: number, value: Buffer) => {
    const len = 4 + value.length;
    const b = Buffer.alloc((len + 3) & ~3);
    b.writeUInt16LE(len, 0);
    b.writeUInt16LE(type, 2);
    value.copy(b, 4);
    return b;
  };
  const ts = Buffer.alloc(16);
  ts.writeBigUInt64BE(BigInt(sec), 0);
  ts.writeBigUInt64BE(BigInt(usec), 8);
  return Buffer.concat([Buffer.from([2, 0, 0, 7]), tlv(10, Buffer.from(prefix + '\0')), tlv(3, ts), tlv(9, ip)]);
}

const datagram = (text: string) => buildFrame({ src: '10.1.0.11', dst: '10.1.0.10', proto: 'udp', srcPort: 40000, dstPort: 5000, payload: Buffer.from(text) }).subarray(14); // the IP packet, no Ethernet

describe('readDropLog', () => {
  it("reads an NFLOG capture: the packet, the rule's prefix, the kernel's timestamp", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netlab-drops-')), 'dropped.pcap');
    writeFileSync(file, writePcap(239, [{ ts: 99, data: nflogRecord(datagram('d7 '), 'loss 10%', 1000, 250000) }]));
    const [d] = readDropLog(file);
    expect(d).toMatchObject({ why: 'loss 10%', packet: { src: '10.1.0.11', dst: '10.1.0.10', proto: 'udp', srcPort: 40000, dstPort: 5000, ts: 1000.25 } });
    expect(d.packet.payload.toString()).toBe('d7 ');
    expect(readDropLog(join(file, '..', 'none.pcap'))).toEqual([]);
  });
});

describe('droppedAmong', () => {
  it('marks each logged drop once, on the captured packet with the same addresses, ports and payload nearest in time', () => {
    const at = (text: string, ts: number) => ({ ts, src: '10.1.0.11', dst: '10.1.0.10', proto: 'udp' as const, srcPort: 40000, dstPort: 5000, payload: Buffer.from(text) });
    const captured = [at('d6 ', 5.0), at('d7 ', 5.001), at('same', 1.0), at('same', 8.99), at('d7 ', 7.5)];
    const marked = droppedAmong([{ packet: at('d7 ', 5.0), why: 'loss 10%' }, { packet: at('same', 9.0), why: 'loss 10%' }], captured);
    expect([...marked]).toEqual([
      [captured[1], 'loss 10%'],
      [captured[3], 'loss 10%'], // of two identical datagrams, the one nearer the drop's time
    ]);
  });
});
