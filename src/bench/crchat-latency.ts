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
import { percentile } from './percentile.js';

const PAIRS = 5;
const ROUNDS = 200;
const TIME_LIMIT_MS = 20_000;

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
    s.once('data', (first: Buffer) => {
      const me = first[0]!;
      const mate = waiting.get(me ^ 1);
      if (!mate) return void waiting.set(me, s);
      s.pipe(mate);
      mate.pipe(s);
      if (first.length > 1) mate.write(first.subarray(1));
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
  const rtts: number[] = [];
  try {
    const ends = await Promise.all(Array.from({ length: PAIRS * 2 }, (_, n) => open(n)));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all(
      Array.from({ length: PAIRS }, async (_, i) => {
        const a = ends[2 * i]!;
        const b = ends[2 * i + 1]!;
        b.sock.on('data', (d: Buffer) => {
          for (const l of b.lines.push(d)) b.sock.write(l.replace('ping', 'pong') + '\n');
        });
        for (let r = 0; r < ROUNDS; r++) {
          const sent = performance.now();
          await new Promise<void>((resolve) => {
            const on = (d: Buffer): void => {
              if (a.lines.push(d).includes(`pong ${r}`)) {
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

export default async function bench(): Promise<{ title: string; lines: string[] }> {
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
    const base = await baselineRtts();
    const p50 = percentile(rtts, 50);
    const p99 = percentile(rtts, 99);
    return {
      title: `crchat: ${PAIRS} pairs chatting at once over loopback`,
      lines: [
        `log-on of ${peers.length} clients (UDP challenge/response + TCP CONNECT): ${logonMs.toFixed(1)} ms`,
        `${rtts.length} chat round trips in ${chatMs.toFixed(0)} ms (${((rtts.length * 1000) / chatMs).toFixed(0)}/s)`,
        `round trip through the server: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
        `baseline, bare TCP relay, same pairs: p50 ${percentile(base, 50).toFixed(2)} ms, p99 ${percentile(base, 99).toFixed(2)} ms; ` +
          `ratio p50 ${(p50 / percentile(base, 50)).toFixed(2)}x, p99 ${(p99 / percentile(base, 99)).toFixed(2)}x`,
      ],
    };
  } finally {
    await Promise.all(peers.map((p) => p.client.shutdown().catch(() => undefined)));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
