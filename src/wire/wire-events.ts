import { decodeIpPacket, type IpPacket } from './ip-packet.js';
import { decodeDatagram, streamDecodersFor } from './message-decoders.js';
import type { Pcap } from './pcap-reader.js';
import { tcpFlows } from './tcp-flows.js';
import type { WireEvent } from './wire-event.js';

export type { WireEvent } from './wire-event.js';

/** Says whether a packet was dropped by a fault the lab put in (a partition), and why. */
/** Why a packet was dropped on its way, if it was; `packet` is given for UDP datagrams (matched one by one). */
export type DropOracle = (ts: number, fromIp: string, toIp: string, proto: 'tcp' | 'udp', packet?: IpPacket) => string | undefined;

export interface WireEventOptions {
  /** Node name by address; unknown addresses are shown as they are. */
  names: Map<string, string>;
  /** Leave out packets matching this (the capture's own sync markers). */
  ignore?: (p: IpPacket) => boolean;
  dropped?: DropOracle;
  /** Runs of more than this many grouped messages become one arrow. */
  summariseOver?: number;
}

/** The IPv4 TCP and UDP packets of a capture, in time order. */
export function capturePackets(pcap: Pcap, ignore?: (p: IpPacket) => boolean): IpPacket[] {
  const out: IpPacket[] = [];
  for (const raw of pcap.packets) {
    const p = decodeIpPacket(pcap.linkType, raw);
    if (p && !ignore?.(p)) out.push(p);
  }
  return out.sort((a, b) => a.ts - b.ts);
}

interface Draft extends WireEvent {
  group?: string;
  resendKey?: string;
}

/**
 * From packets to named arrows: TCP connects, application messages (reassembled and
 * decoded), closes and resets; UDP datagrams decoded one by one. A message its sender
 * sent again is marked lost, as is a packet a partition dropped; long runs of chunks are
 * summarised into one arrow with counts.
 */
export function wireEvents(packets: IpPacket[], opts: WireEventOptions): WireEvent[] {
  const name = (ip: string) => opts.names.get(ip) ?? ip;
  const drafts: Draft[] = [];
  // UDP flows (both directions) seen carrying a QUIC long header: their short headers are QUIC.
  const quic = new Set<string>();
  const flow = (p: IpPacket) => [`${p.src}:${p.srcPort}`, `${p.dst}:${p.dstPort}`].sort().join('-');
  for (const p of packets) {
    if (p.proto !== 'udp') continue;
    const d = decodeDatagram(p.payload, quic.has(flow(p)));
    if (d.label.startsWith('QUIC ') && !d.group) quic.add(flow(p));
    drafts.push({ ts: p.ts, from: name(p.src), to: name(p.dst), proto: 'udp', kind: 'message', label: d.label, count: 1, group: d.group, resendKey: d.resendKey, lost: opts.dropped?.(p.ts, p.src, p.dst, 'udp', p) });
  }
  for (const f of tcpFlows(packets)) {
    const c = name(f.client.ip);
    const s = name(f.server.ip);
    const head = (dir?: string) => Buffer.concat(f.events.filter((e) => e.kind === 'data' && (!dir || e.dir === dir)).slice(0, 4).map((e) => e.data!));
    const c2sHead = head('c2s');
    const first = c2sHead.length ? c2sHead : head();
    const dec = streamDecodersFor(first);
    for (const e of f.events) {
      const [from, to] = e.dir === 'c2s' ? [c, s] : [s, c];
      const [fromIp, toIp] = e.dir === 'c2s' ? [f.client.ip, f.server.ip] : [f.server.ip, f.client.ip];
      const base = { ts: e.ts, from, to, proto: 'tcp' as const, count: 1 };
      const dropped = opts.dropped?.(e.ts, fromIp, toIp, 'tcp');
      if (e.kind === 'open') drafts.push({ ...base, kind: 'connect', label: `connect :${f.server.port}`, lost: dropped ?? (e.resent ? 'no answer, SYN sent again' : undefined) });
      else if (e.kind === 'close') drafts.push({ ...base, kind: 'close', label: 'FIN', lost: dropped });
      else if (e.kind === 'reset') drafts.push({ ...base, kind: 'reset', label: 'RST', lost: dropped });
      else if (e.kind === 'retransmit') drafts.push({ ...base, kind: 'message', label: `retransmission (${e.data!.length} B)`, group: `${from}>${to}:retx`, lost: dropped });
      else for (const m of dec[e.dir].push(e.data!)) drafts.push({ ...base, kind: 'message', label: m.label, group: m.group && `${from}>${to}:${m.group}`, lost: dropped });
    }
  }
  drafts.sort((a, b) => a.ts - b.ts);
  markResent(drafts);
  return summarise(drafts, opts.summariseOver ?? 4);
}

function markResent(drafts: Draft[]): void {
  const lastByKey = new Map<string, Draft>();
  for (const d of drafts) {
    if (!d.resendKey) continue;
    const k = `${d.from}>${d.to}:${d.resendKey}`;
    const prev = lastByKey.get(k);
    if (prev && !prev.lost) prev.lost = 'sent again (no answer)';
    lastByKey.set(k, d);
  }
}

/**
 * Runs of one group (same sender, receiver and group, no more than a second apart) longer
 * than `over` become one arrow at the run's start, with its count and how many were lost.
 */
function summarise(drafts: Draft[], over: number): WireEvent[] {
  const runs: Draft[][] = [];
  const open = new Map<string, Draft[]>();
  const runOf = new Map<Draft, Draft[]>();
  for (const d of drafts) {
    if (!d.group) continue;
    const k = `${d.from}>${d.to}:${d.group}`;
    let run = open.get(k);
    // A pause of over a second, or a partition beginning or ending, starts a new run (a
    // datagram that random loss dropped stays in its run, counted as lost).
    const dropped = (x: Draft) => x.lost?.startsWith('dropped by partition') ?? false;
    if (!run || d.ts - run[run.length - 1].ts > 1 || dropped(run[run.length - 1]) !== dropped(d)) {
      run = [];
      runs.push(run);
      open.set(k, run);
    }
    run.push(d);
    runOf.set(d, run);
  }
  const out: WireEvent[] = [];
  for (const d of drafts) {
    const run = runOf.get(d);
    if (!run || run.length <= over) {
      out.push(strip(d));
      continue;
    }
    if (run[0] !== d) continue;
    const lost = run.filter((x) => x.lost);
    const secs = run[run.length - 1].ts - run[0].ts;
    const why = lost.length ? [...new Set(lost.map((x) => x.lost))].join(', ') : '';
    out.push({
      ...strip(d),
      label: `${d.group === 'raw' ? 'datagrams' : d.label} ×${run.length} over ${secs.toFixed(2)}s`,
      count: run.length,
      lost: lost.length ? `${lost.length} of ${run.length}: ${why}` : undefined,
      lostCount: lost.length,
    });
  }
  return out;
}

function strip(d: Draft): WireEvent {
  const { group: _g, resendKey: _r, ...e } = d;
  if (e.lost === undefined) delete e.lost;
  return e;
}
