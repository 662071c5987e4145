import { describe, expect, it } from 'vitest';
import { buildFrame, TCP } from './ip-packet.js';
import { chatPeerFrame } from './chat-peer-frame.test-helper.js';
import { readPcap, writePcap } from './pcap-reader.js';
import { capturePackets, wireEvents } from './wire-events.js';
import { sequenceMermaid } from './sequence-mermaid.js';
import { sequenceSvg } from './sequence-svg.js';

const S = '10.110.0.2';
const C = '10.110.0.3';
const names = new Map([
  [S, 'server'],
  [C, 'client1'],
]);
const frame = (s: string) => {
  const p = Buffer.from(s, 'latin1');
  const b = Buffer.alloc(4);
  b.writeUInt32BE(p.length);
  return Buffer.concat([b, p]);
};
const sealed = (n: number) => frame('\x00\x01'.padEnd(n, '\x07'));

/** The crchat connection phase as it crosses the wire, HELLO sent twice, IDENT split over two segments. */
function crchatCapture(): Buffer {
  let t = 1000;
  const udp = (src: string, dst: string, text: string) => ({ ts: (t += 0.01), data: buildFrame({ src, dst, proto: 'udp', srcPort: src === S ? 5000 : 40000, dstPort: src === S ? 40000 : 5000, payload: Buffer.from(text) }) });
  let cs = 100;
  let ss = 900;
  const tcp = (fromClient: boolean, flags: number, payload = Buffer.alloc(0)) => {
    const seq = fromClient ? cs : ss;
    const f = buildFrame({ src: fromClient ? C : S, dst: fromClient ? S : C, proto: 'tcp', srcPort: fromClient ? 41000 : 5001, dstPort: fromClient ? 5001 : 41000, payload, seq, flags });
    const adv = payload.length + (flags & (TCP.SYN | TCP.FIN) ? 1 : 0);
    if (fromClient) cs += adv;
    else ss += adv;
    return { ts: (t += 0.01), data: f };
  };
  const ident = frame('IDENT client1');
  const frames = [
    udp(C, S, 'HELLO client1'),
    udp(C, S, 'HELLO client1'),
    udp(S, C, `CHALLENGE ${'a'.repeat(32)}`),
    udp(C, S, `RESPONSE client1 ${'b'.repeat(64)}`),
    udp(S, C, 'SEALED QUJDRA=='),
    tcp(true, TCP.SYN),
    tcp(false, TCP.SYN | TCP.ACK),
    tcp(true, TCP.ACK),
    tcp(true, TCP.ACK | TCP.PSH, ident.subarray(0, 6)),
    tcp(true, TCP.ACK | TCP.PSH, Buffer.concat([ident.subarray(6), sealed(40)])),
    tcp(false, TCP.ACK | TCP.PSH, sealed(30)),
    tcp(true, TCP.ACK | TCP.FIN),
  ];
  return writePcap(1, frames);
}

describe('wire events from a capture', () => {
  it('reads a pcap back, and tolerates a torn last record', () => {
    const buf = crchatCapture();
    expect(readPcap(buf).packets).toHaveLength(12);
    const torn = readPcap(buf.subarray(0, buf.length - 5));
    expect(torn.packets).toHaveLength(11);
    expect(torn.partial).toBe(true);
  });

  it('names the crchat connection phase in order, node names not addresses, the resent HELLO lost', () => {
    const events = wireEvents(capturePackets(readPcap(crchatCapture())), { names });
    const labels = events.filter((e) => e.kind === 'message').map((e) => e.label.split(' ')[0]);
    expect(labels).toEqual(['HELLO', 'HELLO', 'CHALLENGE', 'RESPONSE', 'AUTH_SUCCESS', 'IDENT', 'CONNECT', 'CONNECTED']);
    expect(events[0]).toMatchObject({ from: 'client1', to: 'server', proto: 'udp', lost: 'sent again (no answer)' });
    expect(events.find((e) => e.kind === 'connect')).toMatchObject({ from: 'client1', to: 'server', label: 'connect :5001' });
    expect(events.at(-1)).toMatchObject({ kind: 'close', from: 'client1' });
  });

  it('writes Mermaid and SVG with one arrow per event and lost ones crossed', () => {
    const events = wireEvents(capturePackets(readPcap(crchatCapture())), { names });
    const md = sequenceMermaid(events, ['server', 'client1']);
    expect(md).toMatch(/^sequenceDiagram\n {2}participant server\n {2}participant client1\n/);
    expect(md).toContain('client1--xserver:');
    expect(md).toMatch(/server->>client1: [\d.]+s TCP CONNECTED/);
    const svg = sequenceSvg(events, ['server', 'client1']);
    expect(svg.match(/<line x1="\d+" y1="\d+" x2="\d+" y2="\d+" stroke="#333"/g)?.length).toBe(events.length - 1);
    expect(svg).toContain('✗ sent again');
  });

  it('summarises a chat transfer into one arrow each way, with resent chunks counted', () => {
    const A = '10.110.0.4';
    const B = '10.110.0.5';
    const pkt = (src: string, dst: string, type: number, seq: number, ts: number) => chatPeerFrame(src, dst, type, 7, seq, ts);
    const frames = [];
    for (let i = 0; i < 20; i++) frames.push(pkt(A, B, 3, i, 10 + i / 100), pkt(B, A, 4, i, 10.005 + i / 100));
    frames.push(pkt(A, B, 3, 3, 11));
    const events = wireEvents(capturePackets(readPcap(writePcap(1, frames))), { names: new Map([[A, 'a'], [B, 'b']]) });
    expect(events.map((e) => `${e.from}>${e.to} ${e.label.split(' over')[0]} ${e.lost ?? ''}`.trim())).toEqual(['a>b DATA ×21 1 of 21: sent again (no answer)', 'b>a ACK ×20']);
  });
});
