import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFrame } from '../wire/ip-packet.js';
import { writePcap } from '../wire/pcap-reader.js';
import { LiveWire, PcapTail } from './live-wire.js';
import type { PageEvent } from './page-events.js';

const S = '127.9.0.10';
const C = '127.9.0.11';
const names = new Map([
  [S, 'server'],
  [C, 'client1'],
]);
const udp = (ts: number, src: string, dst: string, text: string) => ({ ts, data: buildFrame({ src, dst, proto: 'udp', srcPort: src === S ? 5000 : 40000, dstPort: src === S ? 40000 : 5000, payload: Buffer.from(text) }) });
/** A whole capture file's bytes for these frames; its records follow the 24-byte header. */
const pcap = (frames: { ts: number; data: Buffer }[]) => writePcap(1, frames);

describe('PcapTail', () => {
  it('reads a growing capture from where it stopped, a torn last record again once whole', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netlab-tail-')), 'capture.pcap');
    const tail = new PcapTail(file);
    expect(tail.read()).toEqual([]); // not there yet
    const all = pcap([udp(1, C, S, 'HELLO client1'), udp(2, S, C, 'CHALLENGE abc'), udp(3, C, S, 'RESPONSE def')]);
    const cut = all.length - 10; // inside the third record
    writeFileSync(file, all.subarray(0, 10)); // inside the header
    expect(tail.read()).toEqual([]);
    appendFileSync(file, all.subarray(10, cut));
    expect(tail.read().map((p) => p.payload.toString())).toEqual(['HELLO client1', 'CHALLENGE abc']);
    expect(tail.read()).toEqual([]);
    appendFileSync(file, all.subarray(cut));
    expect(tail.read().map((p) => p.payload.toString())).toEqual(['RESPONSE def']);
    writeFileSync(file, pcap([udp(4, C, S, 'HELLO again')])); // a new, shorter capture: read afresh
    expect(tail.read().map((p) => p.payload.toString())).toEqual(['HELLO again']);
  });
});

describe('LiveWire', () => {
  it('turns new packets into named arrows while subscribed, and says when there is no capture', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netlab-live-wire-')), 'capture.pcap');
    const wire = new LiveWire(file, names, 60_000);
    const got: PageEvent[] = [];
    const unsub = wire.subscribe((e) => got.push(e));
    expect(got).toEqual([{ type: 'wire-off', why: expect.stringMatching(/capture is off/) }]);
    const all = pcap([udp(1, C, S, 'HELLO client1'), udp(2, S, C, `CHALLENGE ${'a'.repeat(32)}`)]);
    writeFileSync(file, all.subarray(0, all.length - 5));
    wire.tick();
    expect(got.at(-1)).toMatchObject({ type: 'wire', total: 1, events: [{ from: 'client1', to: 'server', proto: 'udp', label: expect.stringMatching(/^HELLO/) }] });
    wire.tick(); // nothing new: nothing sent
    expect(got).toHaveLength(2);
    writeFileSync(file, all);
    wire.tick();
    const last = got.at(-1) as Extract<PageEvent, { type: 'wire' }>;
    expect(last.events.map((e) => `${e.from}>${e.to} ${e.label.split(' ')[0]}`)).toEqual(['client1>server HELLO', 'server>client1 CHALLENGE']);
    // A page that opens later gets the latest at once.
    const later: PageEvent[] = [];
    const unsub2 = wire.subscribe((e) => later.push(e));
    expect(later).toEqual([last]);
    unsub();
    unsub2();
  });

  it('works the arrows out from the newest 4,000 packets only, and counts every packet read', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netlab-live-wire-')), 'capture.pcap');
    const frames = Array.from({ length: 10_000 }, (_, i) => udp(1 + i / 1000, C, S, `HELLO ${i}`));
    writeFileSync(file, pcap(frames));
    const wire = new LiveWire(file, names, 60_000);
    const got: PageEvent[] = [];
    const unsub = wire.subscribe((e) => got.push(e));
    const last = got.at(-1) as Extract<PageEvent, { type: 'wire' }>;
    expect(last).toMatchObject({ type: 'wire', packets: 4000, seen: 10_000, total: 4000 });
    expect(last.events).toHaveLength(300);
    expect(last.events.at(-1)?.label).toMatch(/HELLO 9999/);
    expect(last.events[0].label).toMatch(/HELLO 9700/);
    unsub();
  });
});
