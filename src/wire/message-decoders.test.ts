import { describe, expect, it } from 'vitest';
import { chatPeerFrame } from './chat-peer-frame.test-helper.js';
import { decodeDatagram, streamDecodersFor } from './message-decoders.js';
import { readPcap, writePcap } from './pcap-reader.js';
import { capturePackets, wireEvents } from './wire-events.js';

describe('message decoders', () => {
  it('names a BlueTrace beacon by its TempID, and nothing else of 59 bytes', () => {
    const beacon = '12345678901234567890' + '03/12/2026 10:00:00' + '03/12/2026 10:15:00' + '1';
    expect(beacon.length).toBe(59);
    expect(decodeDatagram(Buffer.from(beacon))).toEqual({ label: 'Beacon 12345678901234567890' });
    expect(decodeDatagram(Buffer.from('x'.repeat(59))).group).toBe('raw');
  });

  it('names JSON-lines frames by t or type with a few fields, never the password, across split chunks', () => {
    const { c2s } = streamDecodersFor(Buffer.from('{"t":'));
    expect(c2s.push(Buffer.from('{"t":"login","username":"hans","password":"falcon*sol'))).toEqual([]);
    expect(c2s.push(Buffer.from('ve"}\n{"type":"upload_contact_log","entries":[1,2,3]}\nnot json\n'))).toEqual([
      { label: 'login username=hans' },
      { label: 'upload_contact_log 3 entries' },
      { label: '"not json" (8 B)' },
    ]);
  });

  it("shows a protocol no decoder knows as its first printable bytes and length", () => {
    const { c2s } = streamDecodersFor(Buffer.from('LOGIN alice\r\n'));
    expect(c2s.push(Buffer.from('LOGIN alice\r\n\x00\x01'))).toEqual([{ label: '"LOGIN alice...." (15 B)', group: 'bytes' }]);
    expect(decodeDatagram(Buffer.from('PING 1'))).toEqual({ label: '"PING 1" (6 B)', group: 'raw' });
  });

  it('summarises a 1 MiB peer-to-peer transfer (128 chunks of 8 KiB and their acks) into one arrow each way', () => {
    const A = '10.110.0.4';
    const B = '10.110.0.5';
    const pkt = (src: string, dst: string, type: number, seq: number, ts: number, size: number) => chatPeerFrame(src, dst, type, 9, seq, ts, size);
    const frames = [];
    for (let i = 0; i < 128; i++) frames.push(pkt(A, B, 3, i, 10 + i / 1000, 12 + 8192), pkt(B, A, 4, i, 10.0005 + i / 1000, 16));
    const events = wireEvents(capturePackets(readPcap(writePcap(1, frames))), { names: new Map([[A, 'a'], [B, 'b']]) });
    expect(events.map((e) => [e.from, e.to, e.count, e.label.split(' over')[0]])).toEqual([
      ['a', 'b', 128, 'DATA ×128'],
      ['b', 'a', 128, 'ACK ×128'],
    ]);
  });
});
