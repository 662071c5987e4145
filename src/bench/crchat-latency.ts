/**
 * crchat figure for `npm run bench`: a real server on loopback, ten clients (five pairs)
 * log on and chat at the same time; reports log-on time and chat round-trip latency through
 * the server (A -> server -> B, B answers, B -> server -> A), p50 and p99.
 *
 * Why this shape: it is the seed's "five simultaneous chat sessions" measured end to end
 * through UDP log-on, AES-GCM records, framing and the history file, bounded in message
 * count and wall time, and it leaves nothing behind (temp dir removed, sockets closed).
 * Baseline, same run: the same five pairs ping-ponging through a bare TCP relay (no
 * log-on, no crypto, no history), so the ratio shows what crchat itself costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../apps/crchat/chat-client.js';
import { HistoryStore } from '../apps/crchat/history-store.js';
import { nodeTransport } from '../apps/crchat/node-transport.js';
import { LineDecoder } from '../apps/common/line-decoder.js';
import { startServer } from '../apps/crchat/start-server.js';
import { median } from './median.js';
import { percentile } from './percentile.js';

const PAIRS = 5;
const ROUNDS = 200;
const TIME_LIMIT_MS = 20_000;
const RUNS = 5;

interface Peer {
  id: string;
  client: ChatClient;
  onLine: (line: string) => void;
}

function makePeer(id: string, key: string, port: number): Peer {
  const peer: Peer = {
    id,
    onLine: () => undefined,
    client: undefined as unknown as ChatClient,
  };
  peer.client = new ChatClient({ id, key, transport: nodeTransport('127.0.0.1', port), print: (l) => peer.onLine(l), retryMs: 500 });
  return peer;
}

/** Round trips through a plain TCP relay: client 2i and 2i+1 are wired together. */
async function baselineRtts(): Promise<number[]> {
  const sockets = new Set<Socket>();
  const waiting = new Map<number, Socket>();
  const relay = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    // The first byte names the client; once both ends of a pair are here they are piped
    // together and each gets one byte back, so nobody pings before its pair is wired.
    s.once('data', (first: Buffer) => {
      s.pause();
      const me = first[0]!;
      const mate = waiting.get(me ^ 1);
      if (!mate) return void waiting.set(me, s);
      waiting.delete(me ^ 1);
      s.pipe(mate);
      mate.pipe(s);
      s.write('k');
      mate.write('k');
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const port = (relay.address() as AddressInfo).port;
  const open = async (n: number): Promise<{ sock: Socket; lines: LineDecoder }> => {
    const sock = connect({ host: '127.0.0.1', port });
    sockets.add(sock);
    sock.setNoDelay(true);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(Buffer.from([n]));
    return { sock, lines: new LineDecoder(1024) };
  };
  const paired = (sock: Socket): Promise<void> => new Promise((r) => sock.once('data', () => r()));
  const rtts: number[] = [];
  try {
    const ends = await Promise.all(
      Array.from({ length: PAIRS * 2 }, async (_, n) => {
        const end = await open(n);
        await paired(end.sock);
        return end;
      }),
    );
    await Promise.all(
      Array.from({ length: PAIRS }, async (_, i) => {
        const a = ends[2 * i]!;
        const b = ends[2 * i + 1]!;
        b.sock.on('data', (d: Buffer) => {
          for (const l of b.lines.push(d)) b.sock.write(l.replace('ping', 'pong') + '\n');
        });
        for (let r = 0; r < ROUNDS; r++) {
          const sent = performance.now();
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('crchat bench baseline: reply lost')), 5000);
            const on = (d: Buffer): void => {
              if (a.lines.push(d).includes(`pong ${r}`)) {
                clearTimeout(t);
                a.sock.off('data', on);
                resolve();
              }
            };
            a.sock.on('data', on);
            a.sock.write(`ping ${r}\n`);
          });
          rtts.push(performance.now() - sent);
        }
      }),
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => relay.close(() => r()));
  }
  return rtts.sort((x, y) => x - y);
}

/** One round: a fresh server and ten clients; log-on time and the chat round trips (ascending). */
async function crchatRound(): Promise<{ logonMs: number; chatMs: number; rtts: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'crchat-bench-'));
  const ids = Array.from({ length: PAIRS * 2 }, (_, i) => `bench${i}`);
  const subscribers = new Map(ids.map((id) => [id, `k-${id}`]));
  const server = await startServer({
    udpPort: 0,
    tcpPort: 0,
    subscribers,
    history: HistoryStore.open(join(dir, 'history.jsonl')),
    idleTimeoutMs: 60_000,
  });
  const peers = ids.map((id) => makePeer(id, subscribers.get(id)!, server.udpPort));
  const deadline = performance.now() + TIME_LIMIT_MS;
  try {
    const t0 = performance.now();
    await Promise.all(peers.map((p) => p.client.input('Log on')));
    const logonMs = performance.now() - t0;
    if (!peers.every((p) => p.client.state === 'connected')) throw new Error('crchat bench: not every client connected');

    const pairs = Array.from({ length: PAIRS }, (_, i) => [peers[2 * i]!, peers[2 * i + 1]!] as const);
    await Promise.all(pairs.map(([a, b]) => a.client.input(`Chat ${b.id}`)));
    const started = performance.now();
    const rtts: number[] = [];
    await Promise.all(
      pairs.map(async ([a, b]) => {
        // B echoes every ping as a pong; A times each round trip.
        b.onLine = (l) => {
          const m = /^<[^>]+> ping (\d+)$/.exec(l);
          if (m) void b.client.input(`pong ${m[1]}, "ok" ✓`);
        };
        for (let r = 0; r < ROUNDS && performance.now() < deadline; r++) {
          const sent = performance.now();
          const back = new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('crchat bench: reply lost')), 5000);
            a.onLine = (l) => {
              if (l === `<${b.id}> pong ${r}, "ok" ✓`) {
                clearTimeout(t);
                resolve();
              }
            };
          });
          await a.client.input(`ping ${r}`);
          await back;
          rtts.push(performance.now() - sent);
        }
      }),
    );
    const chatMs = performance.now() - started;
    await Promise.all(pairs.map(([a]) => a.client.input('End chat')));
    rtts.sort((x, y) => x - y);
    return { logonMs, chatMs, rtts };
  } finally {
    await Promise.all(peers.map((p) => p.client.shutdown().catch(() => undefined)));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const rounds: Array<{ cr: Awaited<ReturnType<typeof crchatRound>>; base: number[] }> = [];
  for (let r = 0; r < RUNS; r++) rounds.push({ base: await baselineRtts(), cr: await crchatRound() });
  const med = (f: (x: (typeof rounds)[number]) => number): number => median(rounds.map(f));
  const p50 = med((x) => percentile(x.cr.rtts, 50));
  const p99 = med((x) => percentile(x.cr.rtts, 99));
  const b50 = med((x) => percentile(x.base, 50));
  const b99 = med((x) => percentile(x.base, 99));
  const n = rounds[0]!.cr.rtts.length;
  const chatMs = med((x) => x.cr.chatMs);
  return {
    title: `crchat: ${PAIRS} pairs chatting at once over loopback, median of ${RUNS} rounds`,
    lines: [
      `log-on of ${PAIRS * 2} clients (UDP challenge/response + TCP CONNECT): ${med((x) => x.cr.logonMs).toFixed(1)} ms`,
      `${n} chat round trips in ${chatMs.toFixed(0)} ms (${((n * 1000) / chatMs).toFixed(0)}/s)`,
      `round trip through the server: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (per round p99: ${rounds.map((x) => percentile(x.cr.rtts, 99).toFixed(2)).join(' / ')})`,
      `baseline, bare TCP relay, same pairs: p50 ${b50.toFixed(2)} ms, p99 ${b99.toFixed(2)} ms (per round p99: ${rounds.map((x) => percentile(x.base, 99).toFixed(2)).join(' / ')})`,
      `ratio crchat / relay: p50 ${(p50 / b50).toFixed(2)}x, p99 ${(p99 / b99).toFixed(2)}x`,
    ],
  };
}
