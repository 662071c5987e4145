import { TCP, type IpPacket } from './ip-packet.js';

/** What happened on one TCP connection, in capture order, each tied to a direction. */
interface FlowEvent {
  ts: number;
  /** c2s: from the side that opened the connection. */
  dir: 'c2s' | 's2c';
  kind: 'open' | 'close' | 'reset' | 'data' | 'retransmit';
  /** Bytes delivered in order (data only): retransmitted copies are left out. */
  data?: Buffer;
  /** A SYN the opener had to send again (no answer), or a data segment sent again. */
  resent?: boolean;
}

export interface TcpFlow {
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  events: FlowEvent[];
  /** Data segments seen again (retransmissions) per direction. */
  retransmits: { c2s: number; s2c: number };
}

interface Dir {
  next?: number;
  pending: Map<number, { ts: number; data: Buffer }>;
  synSeq?: number;
  finSeen?: boolean;
}

const key = (ip: string, port: number) => `${ip}:${port}`;

/**
 * Reassemble each TCP connection per direction: bytes in sequence order, retransmissions
 * dropped (and counted), out-of-order segments held until the gap fills. Why: an
 * application message may span segments and a segment may hold several messages, so the
 * decoders read the byte stream, not the packets.
 */
export function tcpFlows(packets: IpPacket[]): TcpFlow[] {
  const flows = new Map<string, TcpFlow & { dirs: { c2s: Dir; s2c: Dir } }>();
  const order: TcpFlow[] = [];
  for (const p of packets) {
    if (p.proto !== 'tcp') continue;
    const a = key(p.src, p.srcPort);
    const b = key(p.dst, p.dstPort);
    let f = flows.get(`${a}>${b}`) ?? flows.get(`${b}>${a}`);
    const flags = p.flags ?? 0;
    const isSyn = (flags & TCP.SYN) !== 0 && (flags & TCP.ACK) === 0;
    if (!f || (isSyn && (f.dirs.c2s.finSeen || f.events.some((e) => e.kind === 'reset')) && key(f.client.ip, f.client.port) === a)) {
      // A new connection (or a port pair used again after a close): the SYN's sender is the
      // client; without a SYN in the capture, the side with the lower port is the server.
      const synAck = (flags & TCP.SYN) !== 0 && !isSyn;
      const srcIsClient = isSyn || (!synAck && p.srcPort > p.dstPort);
      const src = { ip: p.src, port: p.srcPort };
      const dst = { ip: p.dst, port: p.dstPort };
      const [client, server] = srcIsClient ? [src, dst] : [dst, src];
      f = { client, server, events: [], retransmits: { c2s: 0, s2c: 0 }, dirs: { c2s: { pending: new Map() }, s2c: { pending: new Map() } } };
      flows.set(`${key(client.ip, client.port)}>${key(server.ip, server.port)}`, f);
      order.push(f);
    }
    const dirName: 'c2s' | 's2c' = a === key(f.client.ip, f.client.port) ? 'c2s' : 's2c';
    const d = f.dirs[dirName];
    const seq = p.seq ?? 0;
    if (flags & TCP.SYN) {
      if (dirName === 'c2s') {
        if (d.synSeq === seq) {
          const prev = [...f.events].reverse().find((e) => e.kind === 'open' && e.dir === 'c2s');
          if (prev) prev.resent = true;
        } else f.events.push({ ts: p.ts, dir: 'c2s', kind: 'open' });
      }
      d.synSeq = seq;
      d.next = (seq + 1) >>> 0;
    }
    if (p.payload.length) deliver(f, dirName, d, p.ts, seq, p.payload);
    if (flags & TCP.RST) f.events.push({ ts: p.ts, dir: dirName, kind: 'reset' });
    else if (flags & TCP.FIN && !d.finSeen) {
      d.finSeen = true;
      f.events.push({ ts: p.ts, dir: dirName, kind: 'close' });
    }
  }
  for (const f of flows.values()) {
    for (const dirName of ['c2s', 's2c'] as const) {
      const d = f.dirs[dirName];
      // What never got in order (capture started mid-stream, or bytes lost to the capture): deliver as it is.
      for (const [, seg] of [...d.pending.entries()].sort((x, y) => x[0] - y[0])) f.events.push({ ts: seg.ts, dir: dirName, kind: 'data', data: seg.data });
      d.pending.clear();
    }
    f.events.sort((x, y) => x.ts - y.ts);
  }
  return order.map(({ client, server, events, retransmits }) => ({ client, server, events, retransmits }));
}

function deliver(f: TcpFlow, dirName: 'c2s' | 's2c', d: Dir, ts: number, seq: number, payload: Buffer): void {
  if (d.next === undefined) d.next = seq;
  const rel = (seq - d.next) | 0;
  if (rel > 0) {
    d.pending.set(seq, { ts, data: payload });
    return;
  }
  if (rel + payload.length <= 0) {
    f.retransmits[dirName]++;
    f.events.push({ ts, dir: dirName, kind: 'retransmit', data: payload });
    return;
  }
  const fresh = payload.subarray(-rel);
  if (rel < 0) f.retransmits[dirName]++;
  f.events.push({ ts, dir: dirName, kind: 'data', data: fresh });
  d.next = (d.next + fresh.length) >>> 0;
  for (;;) {
    const seg = d.pending.get(d.next);
    if (!seg) break;
    d.pending.delete(d.next);
    f.events.push({ ts: seg.ts, dir: dirName, kind: 'data', data: seg.data });
    d.next = (d.next + seg.data.length) >>> 0;
  }
}
