/**
 * BlueTrace load figure for `npm run bench`: 200 clients connect at once over
 * loopback, each logs in and downloads a TempID; reports logins per second and
 * p50/p99 latency (connect to TempID received).
 *
 * Why this shape: it is the assignment's "many clients at once" requirement
 * measured end to end through the real server, sockets, framing and the atomic
 * tempIDs.txt rewrite, bounded in client count and wall time.
 */
import { connect, type Socket } from 'node:net';
import { echoBaseline } from './echo-baseline.js';
import { BlueTraceServer } from '../apps/bluetrace/bluetrace-server.js';
import { ClientConnection } from '../apps/bluetrace/client-connection.js';
import { makeTestDir } from '../apps/bluetrace/test-dir.js';
import { percentile } from './percentile.js';

const CLIENTS = 200;
const TIME_LIMIT_MS = 60_000;

async function oneClient(port: number, i: number, sockets: Set<Socket>): Promise<number> {
  const t0 = performance.now();
  const sock = connect({ host: '127.0.0.1', port });
  sockets.add(sock);
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  const conn = new ClientConnection(sock);
  await conn.ready();
  const login = await conn.request({ type: 'login', username: `+6141000${String(i).padStart(4, '0')}`, password: `pw${i}` });
  if (login.type !== 'login_ok') throw new Error(`client ${i}: login failed: ${JSON.stringify(login)}`);
  const t = await conn.request({ type: 'download_tempid' });
  if (t.type !== 'tempid') throw new Error(`client ${i}: no TempID: ${JSON.stringify(t)}`);
  const elapsed = performance.now() - t0;
  await conn.request({ type: 'logout' });
  conn.close();
  sockets.delete(sock);
  return elapsed;
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const creds = Array.from({ length: CLIENTS }, (_, i) => `+6141000${String(i).padStart(4, '0')} pw${i}`).join('\n') + '\n';
  const tmp = await makeTestDir(creds);
  const server = await BlueTraceServer.open({ dir: tmp.dir, blockDurationSeconds: 10, log: () => undefined, warn: () => undefined });
  const sockets = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await server.listen(0, '127.0.0.1');
    const started = performance.now();
    const run = Promise.all(Array.from({ length: CLIENTS }, (_, i) => oneClient(port, i, sockets)));
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`BlueTrace bench exceeded ${TIME_LIMIT_MS / 1000}s`)), TIME_LIMIT_MS);
    });
    const latencies = (await Promise.race([run, limit])).sort((a, b) => a - b);
    const wall = performance.now() - started;
    if (server.ctx.tempIds.size !== CLIENTS) throw new Error(`expected ${CLIENTS} TempIDs, have ${server.ctx.tempIds.size}`);
    // Same run, plain TCP: connect and three round trips (login, TempID, logout) of a similar line.
    const base = await echoBaseline(CLIENTS, 3, '{"v":1,"type":"login","username":"+61410000000","password":"pw0"}');
    const p99 = percentile(latencies, 99);
    const baseP99 = percentile(base.perClientMs, 99);
    return {
      title: `BlueTrace: ${CLIENTS} clients at once on loopback (login + Download_tempID)`,
      lines: [
        `logins/s: ${((CLIENTS / wall) * 1000).toFixed(0)} (${CLIENTS} in ${wall.toFixed(0)} ms)`,
        `latency p50: ${percentile(latencies, 50).toFixed(1)} ms, p99: ${p99.toFixed(1)} ms, max: ${latencies[latencies.length - 1]!.toFixed(1)} ms`,
        `baseline, bare TCP line echo with the same round trips: ${((CLIENTS / base.wallMs) * 1000).toFixed(0)}/s, p99 ${baseP99.toFixed(1)} ms; BlueTrace takes ${(wall / base.wallMs).toFixed(2)}x the time (p99 ${(p99 / baseP99).toFixed(2)}x)`,
      ],
    };
  } finally {
    if (timer) clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await server.close();
    await tmp.cleanup();
  }
}
