import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readPcap } from './pcap-reader.js';
import { decodeIpPacket, nflogPrefix, nflogTimestamp, type IpPacket } from './ip-packet.js';
import { startTcpdump } from './start-tcpdump.js';

/** A packet a loss rule dropped, as the kernel logged it (NFLOG), with the rule's reason. */
export interface DroppedPacket {
  packet: IpPacket;
  why: string;
}

/**
 * tcpdump reading one NFLOG group in one network namespace, into a pcap of exactly the
 * packets the lab's random-loss rules dropped there (each rule logs what it drops, then
 * drops it). Started before the first such rule goes in; stopped at the fault tear-down.
 */
export class DropLog {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly proc: ChildProcess,
    readonly file: string,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  /** Open the log: resolves once tcpdump listens on the group, rejects with its reason otherwise. */
  static async start(tcpdump: string, pre: string[], group: number, file: string): Promise<DropLog> {
    const proc = await startTcpdump(tcpdump, ['-i', `nflog:${group}`, '-U', '-n', '-s', '0', '-w', file], { pre, what: `nflog:${group}` });
    return new DropLog(proc, file);
  }

  /** Stop tcpdump (it writes out what it read) and wait for it. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGINT');
    await this.exited;
  }
}

/** The dropped packets in an NFLOG pcap (none when the file is missing or empty). */
export function readDropLog(file: string): DroppedPacket[] {
  if (!existsSync(file)) return [];
  const pcap = readPcap(readFileSync(file));
  const out: DroppedPacket[] = [];
  for (const raw of pcap.packets) {
    const packet = decodeIpPacket(pcap.linkType, raw);
    if (!packet) continue;
    // The record's time is when tcpdump read it, which can be a batch later; the kernel's own stamp, when it gives one, is when it dropped it.
    if (pcap.linkType === 239) packet.ts = nflogTimestamp(raw.data) ?? packet.ts;
    out.push({ packet, why: (pcap.linkType === 239 && nflogPrefix(raw.data)) || 'random loss' });
  }
  return out;
}

/** Same packet as logged and as captured on the wire: addresses, ports and the payload's first 64 bytes (a capture may cut it). */
const keyOf = (p: IpPacket) => `${p.proto} ${p.src}:${p.srcPort}>${p.dst}:${p.dstPort} ${p.payload.subarray(0, 64).toString("base64")}`;

/**
 * Which captured packets were dropped: each logged drop is matched once, to the captured
 * packet with the same addresses, ports and payload nearest to it in time. (No bound on
 * the time: a log record without the kernel's stamp has the time it was read.)
 */
export function droppedAmong(drops: DroppedPacket[], captured: IpPacket[]): Map<IpPacket, string> {
  const byKey = new Map<string, IpPacket[]>();
  for (const p of captured) {
    const k = keyOf(p);
    const list = byKey.get(k);
    if (list) list.push(p);
    else byKey.set(k, [p]);
  }
  const out = new Map<IpPacket, string>();
  for (const d of drops) {
    let best: IpPacket | undefined;
    for (const c of byKey.get(keyOf(d.packet)) ?? []) if (!out.has(c) && (!best || Math.abs(c.ts - d.packet.ts) < Math.abs(best.ts - d.packet.ts))) best = c;
    if (best) out.set(best, d.why);
  }
  return out;
}
