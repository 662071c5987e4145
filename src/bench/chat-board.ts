/**
 * Message-board figure for `npm run bench`: 1,000 clients connect at once over loopback,
 * log in (two steps) and post 10 MSG each back to back; reports the wall time, p50/p99
 * per client (connect to last post acknowledged) and per post, beside a bare TCP line
 * echo with the same clients and round trips, interleaved over a few rounds.
 *
 * Why: the board is what a lecture hall hits at once; this measures the real sessions,
 * framing, userlog.txt and messagelog.txt writes (appends, flushed once per event-loop
 * turn) against what plain TCP costs on the same machine in the same run.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChatServer } from '../apps/chat/chat-server.js';
import { systemClock } from '../apps/common/clock.js';
import { DEFAULT_LISTEN_BACKLOG } from '../apps/common/listen-backlog.js';
import { CredentialStore } from '../apps/chat/credential-store.js';
import { echoBaseline, type EchoBaseline } from './echo-baseline.js';
import { LineClient } from './line-client.js';
import { listenOverflows } from './listen-overflows.js';
import { median } from './median.js';
import { percentile } from './percentile.js';

const CLIENTS = 1000;
const POSTS_EACH = 10;
const ROUNDS = 3;
const TIME_LIMIT_MS = 60_000;

interface Round {
  wallMs: number;
  perClientMs: number[];
  postMs: number[];
  logged: number;
  overflows: number | undefined;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** One client: hello, USER, PASS, then the posts; returns connect-to-last-ack time. */
async function oneClient(port: number, i: number, clients: Set<LineClient>, postMs: number[]): Promise<number> {
  const t0 = performance.now();
  const c = await LineClient.open(port);
  clients.add(c);
  const ok = async (frame: object, ms?: number[]): Promise<void> => {
    const reply = await c.ask(JSON.stringify({ v: 1, ...frame }), ms);
    if (!reply.includes('"t":"ok"')) throw new Error(`user${i}: ${reply}`);
  };
  if (!(await c.next()).includes('"hello"')) throw new Error(`user${i}: no hello`);
  await ok({ t: 'user', id: 1, name: `user${i}` });
  await ok({ t: 'pass', id: 2, password: `pw${i}`, udpPort: 20_000 + (i % 40_000) });
  for (let k = 0; k < POSTS_EACH; k++) await ok({ t: 'msg', id: 3 + k, text: `message ${k} from user${i}` }, postMs);
  const ms = performance.now() - t0;
  c.close();
  clients.delete(c);
  return ms;
}

async function boardRound(): Promise<Round> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-board-'));
  const clients = new Set<LineClient>();
  const credentials = CredentialStore.parse(Array.from({ length: CLIENTS }, (_, i) => `user${i} pw${i}`).join('\n'));
  const server = new ChatServer({ clock: systemClock, credentials, maxAttempts: 3, blockMs: 10_000, logDir: dir });
  const listener = net.createServer((s) => {
    s.setNoDelay(true);
    server.attach(s, s.remoteAddress ?? 'unknown');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, resolve);
    });
    const port = (listener.address() as net.AddressInfo).port;
    const before = listenOverflows();
    const postMs: number[] = [];
    const start = performance.now();
    const perClientMs = await withTimeout(
      Promise.all(Array.from({ length: CLIENTS }, (_, i) => oneClient(port, i, clients, postMs))),
      TIME_LIMIT_MS,
      'the board round',
    );
    const wallMs = performance.now() - start;
    const after = listenOverflows();
    const logged = fs.readFileSync(path.join(dir, 'messagelog.txt'), 'utf8').split('\n').filter(Boolean).length;
    const up = (a: number[]): number[] => a.sort((x, y) => x - y);
    return { wallMs, perClientMs: up(perClientMs), postMs: up(postMs), logged, overflows: before === undefined || after === undefined ? undefined : after - before };
  } finally {
    for (const c of clients) c.close();
    server.close();
    await new Promise<void>((r) => listener.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const title = `chat: message board, ${CLIENTS} clients x ${POSTS_EACH} posts at once over loopback TCP, median of ${ROUNDS} rounds`;
  const rounds: Array<{ board: Round; base: EchoBaseline }> = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      // Same run, interleaved: connect and the same round trips (USER, PASS, 10 MSG) of a similar line.
      const base = await echoBaseline(CLIENTS, 2 + POSTS_EACH, JSON.stringify({ v: 1, t: 'msg', id: 3, text: 'message 0 from user0' }));
      rounds.push({ board: await boardRound(), base });
    }
  } catch (err) {
    return { title, lines: [`failed: ${(err as Error).message}`] };
  }
  const med = (f: (x: (typeof rounds)[number]) => number): number => median(rounds.map(f));
  const total = CLIENTS * POSTS_EACH;
  const wall = med((x) => x.board.wallMs);
  const baseWall = med((x) => x.base.wallMs);
  const p50 = med((x) => percentile(x.board.perClientMs, 50));
  const p99 = med((x) => percentile(x.board.perClientMs, 99));
  const bp50 = med((x) => percentile(x.base.perClientMs, 50));
  const bp99 = med((x) => percentile(x.base.perClientMs, 99));
  return {
    title,
    lines: [
      `all ${CLIENTS} clients completed in every round; wall ${wall.toFixed(0)} ms: ${Math.round(total / (wall / 1000))} posts/s (rounds: ${rounds.map((x) => x.board.wallMs.toFixed(0)).join(' / ')} ms)`,
      `messagelog.txt lines: ${rounds.map((x) => x.board.logged).join(' / ')} (expected ${total}); kernel listen overflows/drops per round: ${rounds.map((x) => x.board.overflows ?? 'unknown').join(', ')}`,
      `per client, connect -> last post acknowledged: p50 ${ms(p50)}, p99 ${ms(p99)}; per post: p50 ${ms(med((x) => percentile(x.board.postMs, 50)))}, p99 ${ms(med((x) => percentile(x.board.postMs, 99)))}`,
      `baseline, bare TCP line echo, same clients and ${2 + POSTS_EACH} round trips: wall ${baseWall.toFixed(0)} ms (rounds: ${rounds.map((x) => x.base.wallMs.toFixed(0)).join(' / ')}), p50 ${ms(bp50)}, p99 ${ms(bp99)}`,
      `ratio board / echo: time ${(wall / baseWall).toFixed(2)}x, p50 ${(p50 / bp50).toFixed(2)}x, p99 ${(p99 / bp99).toFixed(2)}x (per round, time: ${rounds.map((x) => (x.board.wallMs / x.base.wallMs).toFixed(2)).join(' / ')})`,
    ],
  };
}
