import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChatServer } from '../apps/chat/chat-server.js';
import { systemClock } from '../apps/common/clock.js';
import { CredentialStore } from '../apps/chat/credential-store.js';
import { ServerLink } from '../apps/chat/server-link.js';
import { echoBaseline } from './echo-baseline.js';

const CLIENTS = 100;
const POSTS_EACH = 20;
const TIME_LIMIT_MS = 60_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * Bench: 100 clients logged in over loopback TCP post to the board at the same time
 * (each posts 20 messages back to back); reports posts per second and latency.
 *
 * Why: every post rewrites messagelog.txt atomically; this shows what that costs under
 * concurrency with the real framing, sessions and log files.
 */
export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const title = `chat: message board, ${CLIENTS} clients posting at once over loopback TCP`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-board-'));
  const sockets: net.Socket[] = [];
  const credentials = CredentialStore.parse(Array.from({ length: CLIENTS }, (_, i) => `user${i} pw${i}`).join('\n'));
  const server = new ChatServer({ clock: systemClock, credentials, maxAttempts: 3, blockMs: 10_000, logDir: dir });
  const listener = net.createServer((s) => {
    s.setNoDelay(true);
    server.attach(s, s.remoteAddress ?? 'unknown');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, '127.0.0.1', resolve);
    });
    const port = (listener.address() as net.AddressInfo).port;
    const links = await withTimeout(
      Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const s = net.connect({ host: '127.0.0.1', port });
          sockets.push(s);
          s.setNoDelay(true);
          const link = new ServerLink(s);
          await link.hello;
          await link.request('user', { name: `user${i}` });
          const r = await link.request('pass', { password: `pw${i}`, udpPort: 20_000 + i });
          if (!r.ok) throw new Error(`login of user${i} failed: ${r.text}`);
          return link;
        }),
      ),
      TIME_LIMIT_MS,
      'logging in',
    );
    const latencies: number[] = [];
    const start = performance.now();
    await withTimeout(
      Promise.all(
        links.map(async (link, i) => {
          for (let k = 0; k < POSTS_EACH; k++) {
            const t = performance.now();
            const r = await link.request('msg', { text: `message ${k} from user${i}` });
            if (!r.ok) throw new Error(r.text);
            latencies.push(performance.now() - t);
          }
        }),
      ),
      TIME_LIMIT_MS,
      'posting',
    );
    const ms = performance.now() - start;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
    const total = CLIENTS * POSTS_EACH;
    const logged = fs.readFileSync(path.join(dir, 'messagelog.txt'), 'utf8').split('\n').filter(Boolean).length;
    const base = await echoBaseline(CLIENTS, POSTS_EACH, JSON.stringify({ v: 1, type: 'msg', text: 'message 0 from user0' }));
    return {
      title,
      lines: [
        `${total} posts in ${(ms / 1000).toFixed(2)} s: ${Math.round(total / (ms / 1000))} posts/s (messagelog.txt rewritten atomically after each)`,
        `latency per post: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`,
        `messagelog.txt lines: ${logged} (expected ${total})`,
        `baseline, bare TCP line echo, same clients and round trips: ${Math.round(total / (base.wallMs / 1000))}/s; the board takes ${(ms / base.wallMs).toFixed(2)}x the time`,
      ],
    };
  } catch (err) {
    return { title, lines: [`failed: ${(err as Error).message}`] };
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    await new Promise<void>((r) => listener.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
