/**
 * quicchat figures for `npm run bench`: 100 QUIC clients on loopback connect and log in at
 * once (QUIC + TLS handshake against the lab CA, VERSIONS, LOGIN with a bcrypt check),
 * then 50 pairs ping-pong 1:1 messages through the server; reports connect+login time and
 * the round trip A -> server -> B -> server -> A, p50 and p99. Beside it, the same 100
 * clients and 50 pairs on the TCP challenge/response chat (crchat), measured the same way.
 * Each server runs in a worker thread of its own (bench-chat-server.ts), the clients here.
 *
 * Why side by side: the two chats do the same job over different transports; the ratio
 * shows what QUIC (through @matrixai/quic) costs against TCP here. Bounded: every wait has
 * a deadline (a login 60 s, a reply 10 s), so a stall fails the bench instead of hanging it.
 */
import { Worker } from 'node:worker_threads';
import { ChatClient as CrClient } from '../apps/crchat/chat-client.js';
import { nodeTransport } from '../apps/crchat/node-transport.js';
import { ChatClient } from '../apps/quicchat/chat-client.js';
import { connectQuic, type QuicLink } from '../apps/quicchat/connect-quic.js';
import { SERVER_NAME } from '../apps/quicchat/pem.js';
import { BENCH_PASSWORD, type BenchServerReady, type BenchServerRequest } from './bench-chat-server.js';
import { percentile } from './percentile.js';

const CLIENTS = Number(process.env.QUICCHAT_BENCH_CLIENTS ?? 100);
const ROUNDS = 20;

interface Figures {
  loginMs: number[];
  allLoggedInMs: number;
  rtts: number[];
}

const fmt = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/** A chat server in a worker thread: where it listens, and how to stop it (resolves when the thread has ended). */
async function startServerThread(req: BenchServerRequest): Promise<BenchServerReady & { stop(): Promise<void> }> {
  const worker = new Worker(new URL('./bench-chat-server.js', import.meta.url), { workerData: req });
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await within(
    new Promise<BenchServerReady>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`${req.kind} server thread ended (${code}) before it listened`)));
    }),
    60_000,
    `${req.kind} server start`,
  );
  return {
    ...ready,
    async stop() {
      worker.postMessage('stop');
      await within(ended, 10_000, `${req.kind} server stop`).catch(() => worker.terminate());
    },
  };
}

async function quicFigures(): Promise<Figures> {
  const names = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
  const server = await startServerThread({ kind: 'quicchat', clients: CLIENTS });
  const caPem = server.caPem!;
  const links: QuicLink[] = [];
  const peers = names.map((name) => {
    const p = { name, id: 0, on: (_l: string) => {}, client: undefined as unknown as ChatClient };
    p.client = new ChatClient({ aliveIntervalMs: 30_000, print: (l) => p.on(l), prompt: () => {}, exit: () => {} });
    return p;
  });
  try {
    const t0 = performance.now();
    const loginMs = await Promise.all(
      peers.map(async (p) => {
        const start = performance.now();
        const logged = new Promise<void>((resolve) => {
          p.on = (l) => {
            const m = /^Logged in as \S+ \(user id (\d+)\)$/.exec(l);
            if (m) {
              p.id = Number(m[1]);
              resolve();
            }
          };
        });
        const link = await within(connectQuic({ host: '127.0.0.1', port: server.port, caPem, serverName: SERVER_NAME }), 60_000, `quicchat connect of ${p.name}`);
        links.push(link);
        p.client.attach(link.stream);
        p.client.input(p.name);
        p.client.input(BENCH_PASSWORD);
        await within(logged, 60_000, `quicchat login of ${p.name}`);
        return performance.now() - start;
      }),
    );
    const allLoggedInMs = performance.now() - t0;
    const rtts: number[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS / 2 }, async (_, i) => {
        const a = peers[2 * i]!;
        const b = peers[2 * i + 1]!;
        b.on = (l) => {
          const m = /\] ping (\d+)$/.exec(l);
          if (m) b.client.input(`${a.id}: pong ${m[1]}`);
        };
        for (let r = 0; r < ROUNDS; r++) {
          const sent = performance.now();
          const back = new Promise<void>((resolve) => (a.on = (l) => l.endsWith(`] pong ${r}`) && resolve()));
          a.client.input(`${b.id}: ping ${r}`);
          await within(back, 10_000, 'quicchat reply');
          rtts.push(performance.now() - sent);
        }
      }),
    );
    return { loginMs: loginMs.sort((x, y) => x - y), allLoggedInMs, rtts: rtts.sort((x, y) => x - y) };
  } finally {
    await Promise.all(links.map((l) => l.close()));
    await server.stop();
  }
}

async function crchatFigures(): Promise<Figures> {
  const ids = Array.from({ length: CLIENTS }, (_, i) => `c${i}`);
  const server = await startServerThread({ kind: 'crchat', clients: CLIENTS });
  const peers = ids.map((id) => {
    const p = { id, on: (_l: string) => {}, client: undefined as unknown as CrClient };
    p.client = new CrClient({ id, key: `k-${id}`, transport: nodeTransport('127.0.0.1', server.port), print: (l) => p.on(l), retryMs: 500 });
    return p;
  });
  try {
    const t0 = performance.now();
    const loginMs = await Promise.all(
      peers.map(async (p) => {
        const start = performance.now();
        await within(p.client.input('Log on'), 60_000, `crchat log-on of ${p.id}`);
        if (p.client.state !== 'connected') throw new Error(`crchat bench: ${p.id} did not connect`);
        return performance.now() - start;
      }),
    );
    const allLoggedInMs = performance.now() - t0;
    const pairs = Array.from({ length: CLIENTS / 2 }, (_, i) => [peers[2 * i]!, peers[2 * i + 1]!] as const);
    await Promise.all(pairs.map(([a, b]) => a.client.input(`Chat ${b.id}`)));
    const rtts: number[] = [];
    await Promise.all(
      pairs.map(async ([a, b]) => {
        b.on = (l) => {
          const m = /^<[^>]+> ping (\d+)$/.exec(l);
          if (m) void b.client.input(`pong ${m[1]}`);
        };
        for (let r = 0; r < ROUNDS; r++) {
          const sent = performance.now();
          const back = new Promise<void>((resolve) => (a.on = (l) => l === `<${b.id}> pong ${r}` && resolve()));
          await a.client.input(`ping ${r}`);
          await within(back, 10_000, 'crchat reply');
          rtts.push(performance.now() - sent);
        }
      }),
    );
    await Promise.all(pairs.map(([a]) => a.client.input('End chat')));
    return { loginMs: loginMs.sort((x, y) => x - y), allLoggedInMs, rtts: rtts.sort((x, y) => x - y) };
  } finally {
    await Promise.all(peers.map((p) => p.client.shutdown().catch(() => undefined)));
    await server.stop();
  }
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const q = await quicFigures();
  const t = await crchatFigures();
  const ratio = (a: number[], b: number[], p: number): string => (percentile(a, p) / percentile(b, p)).toFixed(2);
  return {
    title: `quicchat: ${CLIENTS} QUIC clients on loopback, beside crchat (TCP) with the same ${CLIENTS}`,
    lines: [
      `                       quicchat (QUIC)                crchat (UDP log-on + TCP)`,
      `connect+login each:    ${fmt(q.loginMs).padEnd(31)}${fmt(t.loginMs)}`,
      `all ${CLIENTS} logged in:     ${`${q.allLoggedInMs.toFixed(0)} ms`.padEnd(31)}${t.allLoggedInMs.toFixed(0)} ms`,
      `round trip (${q.rtts.length}):     ${fmt(q.rtts).padEnd(31)}${fmt(t.rtts)}`,
      `ratio QUIC/TCP: login p50 ${ratio(q.loginMs, t.loginMs, 50)}x, round trip p50 ${ratio(q.rtts, t.rtts, 50)}x, p99 ${ratio(q.rtts, t.rtts, 99)}x`,
      `(quicchat login includes a bcrypt check, cost 8, pure JS; crchat's a SHA-256 challenge/response)`,
    ],
  };
}
