import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readPcap } from '../wire/pcap-reader.js';
import { packetsOf } from '../wire/capture.js';
import type { IpPacket } from '../wire/ip-packet.js';
import { wireEvents } from '../wire/wire-events.js';
import type { PageEvent, WireArrow } from './page-events.js';

const HEADER = 24;
/** At most this much of the file is read per tick: a burst is caught up over a few ticks. */
const READ_CHUNK = 8 * 1024 * 1024;
/**
 * Packets kept to work the newest arrows out from; older ones fall out (their flows' later
 * packets still show). Working arrows out costs about 15 µs a packet (measured: 50,000
 * TCP packets took 0.6-0.8 s, which starved the terminals streaming beside it), so the
 * window is what 300 arrows need with room to spare, not the whole capture.
 */
const KEEP_PACKETS = 4_000;
/** The wire view may take at most this share of the controller's time: a slow tick waits longer for the next. */
const MAX_SHARE = 0.2;
/** Arrows sent to the page: the newest. */
const KEEP_ARROWS = 300;

/**
 * A capture file that tcpdump is still writing (-U: whole packets are flushed, but the
 * file can end inside a record), read from where the last read stopped. A torn last
 * record is read again next time; a file that shrank (a new capture) is read afresh.
 */
export class PcapTail {
  private header?: Buffer;
  private offset = 0;

  constructor(readonly file: string) {}

  /** The packets written since the last call (without the capture's sync markers). */
  read(): IpPacket[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size < this.offset) {
      this.header = undefined;
      this.offset = 0;
    }
    if (size < HEADER) return [];
    const fd = openSync(this.file, 'r');
    try {
      if (!this.header) {
        this.header = Buffer.alloc(HEADER);
        readSync(fd, this.header, 0, HEADER, 0);
        this.offset = HEADER;
      }
      const len = Math.min(size - this.offset, READ_CHUNK);
      if (len <= 0) return [];
      const chunk = Buffer.alloc(len);
      const got = readSync(fd, chunk, 0, len, this.offset);
      const pcap = readPcap(Buffer.concat([this.header, chunk.subarray(0, got)]));
      // Only whole records count as read: a torn one is read again once complete.
      for (const p of pcap.packets) this.offset += 16 + p.data.length;
      return packetsOf(pcap);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * What crosses a live lab's wire, for the pages watching it: while at least one page is
 * connected, every `everyMs` the new packets of capture.pcap are read and the newest
 * arrows (node names, not addresses) worked out again; each page gets them when they
 * change, and at once when it subscribes. No capture file: `wire-off`, with why.
 */
export class LiveWire {
  private readonly tail: PcapTail;
  private packets: IpPacket[] = [];
  /** Packets read in all (the window holds the newest KEEP_PACKETS of them). */
  private seen = 0;
  private last?: PageEvent;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(e: PageEvent) => void>();

  constructor(
    file: string,
    private readonly names: Map<string, string>,
    private readonly everyMs = 1000,
  ) {
    this.tail = new PcapTail(file);
  }

  subscribe(cb: (e: PageEvent) => void): () => void {
    this.listeners.add(cb);
    if (this.last) cb(this.last);
    if (!this.timer) this.schedule();
    return () => {
      this.listeners.delete(cb);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Tick now, and again after everyMs, or later when the tick was slow (at most MAX_SHARE of the time). */
  private schedule(): void {
    const t0 = performance.now();
    this.tick();
    const took = performance.now() - t0;
    this.timer = setTimeout(() => this.schedule(), Math.max(this.everyMs, took / MAX_SHARE - took));
    this.timer.unref();
  }

  /** Read what is new and tell the pages if anything changed. */
  tick(): void {
    const e = this.next();
    if (!e) return;
    this.last = e;
    for (const l of this.listeners) l(e);
  }

  private next(): PageEvent | undefined {
    const off = (why: string): PageEvent | undefined => (this.last?.type === 'wire-off' ? undefined : { type: 'wire-off', why });
    if (!existsSync(this.tail.file)) return off('capture is off for this lab (no capture.pcap: it needs tcpdump and root, see docs/wire.md)');
    let fresh: IpPacket[];
    try {
      fresh = this.tail.read();
    } catch (err) {
      return off(`capture.pcap cannot be read: ${(err as Error).message}`);
    }
    if (!fresh.length && this.last?.type === 'wire') return undefined;
    this.seen += fresh.length;
    for (const p of fresh) this.packets.push(p);
    this.packets.sort((a, b) => a.ts - b.ts);
    if (this.packets.length > KEEP_PACKETS) this.packets = this.packets.slice(-KEEP_PACKETS);
    const all: WireArrow[] = wireEvents(this.packets, { names: this.names });
    return { type: 'wire', events: all.slice(-KEEP_ARROWS), total: all.length, packets: this.packets.length, seen: this.seen };
  }
}
