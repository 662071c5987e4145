/**
 * BlueTrace load figure for `npm run bench`: 1,000 clients connect at once over loopback,
 * each logs in, downloads a TempID and logs out; reports sessions per second and p50/p99
 * latency (connect to TempID received, connect to logout_ok, and connect alone), beside a
 * bare TCP line echo with the same clients, hello and round trips in the same run.
 *
 * Why this shape: a lecture hall of phones logging in at once, measured end to end
 * through the real server, sockets, framing and the atomic tempIDs.txt rewrite; bounded in
 * client count and wall time. The echo sends the same hello and is driven by the same
 * LineClient driver, so the driver's share of the two cores is on both sides of the ratio.
 * By default server and echo share the driver's event loop (one process: the figure a
 * loaded machine moves least); BENCH_WHERE=own-process runs the real server program and the
 * echo as processes of their own, console on a pipe, as in a lab. The kernel's
 * listen-overflow counter over the run shows whether any SYN was dropped (a dropped SYN
 * costs its client a one-second retry).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildServer } from './child-server.js';
import { echoBaseline } from './echo-baseline.js';
import { LineClient } from './line-client.js';
import { listenOverflows } from './listen-overflows.js';
import { BlueTraceServer } from '../apps/bluetrace/bluetrace-server.js';
import { makeTestDir } from '../apps/bluetrace/test-dir.js';
import { median } from './median.js';
import { percentile } from './percentile.js';

const CLIENTS = 1000;
const TIME_LIMIT_MS = 60_000;
const ROUNDS = 3;
const WHERE: Where = process.env.BENCH_WHERE === 'own-process' ? 'own-process' : 'in-process';

const user = (i: number): string => `+6141${String(i).padStart(7, '0')}`;

const SERVER_SCRIPT = fileURLToPath(new URL('../apps/bluetrace/server-main.js', import.meta.url));
/** The hello the real server sends, for the echo's greeting. */
const HELLO = '{"v":1,"type":"hello","server":"bluetrace"}';

/** One phone: connect, hello, login, Download_tempID (the latency), logout; [to TempID, to logout_ok]. */
async function oneClient(port: number, i: number, clients: Set<LineClient>, connectMs: number[], requestMs: number[]): Promise<[number, number]> {
  const t0 = performance.now();
  const c = await LineClient.open(port);
  clients.add(c);
  connectMs.push(c.connectMs);
  const ask = (msg: object): Promise<string> => c.ask(JSON.stringify({ v: 1, ...msg }), requestMs);
  const hello = await c.next();
  if (!hello.includes('"hello"')) throw new Error(`client ${i}: no hello: ${hello}`);
  const login = JSON.parse(await ask({ type: 'login', username: user(i), password: `pw${i}` })) as { type: string };
  if (login.type !== 'login_ok') throw new Error(`client ${i}: login failed: ${JSON.stringify(login)}`);
  const t = JSON.parse(await ask({ type: 'download_tempid' })) as { type: string; tempId?: string };
  if (t.type !== 'tempid' || !/^\d{20}$/.test(t.tempId ?? '')) throw new Error(`client ${i}: no TempID: ${JSON.stringify(t)}`);
  const elapsed = performance.now() - t0;
  const bye = await ask({ type: 'logout' });
  if (!bye.includes('"logout_ok"')) throw new Error(`client ${i}: no logout_ok: ${bye}`);
  const whole = performance.now() - t0;
  c.close();
  clients.delete(c);
  return [elapsed, whole];
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** One round against a fresh server and folder: per-session latencies, connect times, wall time. */
/** The server under test: in this process (sharing the driver's event loop), or the real program in its own. */
type Where = 'in-process' | 'own-process';

async function startServer(where: Where, dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  if (where === 'own-process') return startChildServer(SERVER_SCRIPT, ['0', '10'], dir);
  const server = await BlueTraceServer.open({ dir, blockDurationSeconds: 10, log: () => undefined, warn: () => undefined });
  return { port: await server.listen(0, '127.0.0.1'), stop: () => server.close() };
}

async function serverRound(where: Where): Promise<{ wallMs: number; latencies: number[]; sessions: number[]; connectMs: number[]; requestMs: number[]; overflows: number | undefined }> {
  const creds = Array.from({ length: CLIENTS }, (_, i) => `${user(i)} pw${i}`).join('\n') + '\n';
  const tmp = await makeTestDir(creds);
  const clients = new Set<LineClient>();
  let timer: NodeJS.Timeout | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(where, tmp.dir);
    const port = server.port;
    const before = listenOverflows();
    const connectMs: number[] = [];
    const requestMs: number[] = [];
    const started = performance.now();
    const run = Promise.all(Array.from({ length: CLIENTS }, (_, i) => oneClient(port, i, clients, connectMs, requestMs)));
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`BlueTrace bench exceeded ${TIME_LIMIT_MS / 1000}s`)), TIME_LIMIT_MS);
    });
    const both = await Promise.race([run, limit]);
    const wallMs = performance.now() - started;
    const after = listenOverflows();
    const up = (a: number[]): number[] => a.sort((x, y) => x - y);
    // Every TempID handed out was on disk before its reply; the file must hold them all.
    const lines = readFileSync(`${tmp.dir}/tempIDs.txt`, 'utf8').split('\n').filter(Boolean).length;
    if (lines !== CLIENTS) throw new Error(`expected ${CLIENTS} lines in tempIDs.txt, have ${lines}`);
    const overflows = before === undefined || after === undefined ? undefined : after - before;
    return { wallMs, latencies: up(both.map((b) => b[0])), sessions: up(both.map((b) => b[1])), connectMs: up(connectMs), requestMs: up(requestMs), overflows };
  } finally {
    if (timer) clearTimeout(timer);
    for (const c of clients) c.close();
    await server?.stop();
    await tmp.cleanup();
  }
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const rounds: Array<{ bt: Awaited<ReturnType<typeof serverRound>>; base: Awaited<ReturnType<typeof echoBaseline>> }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Same run, interleaved, plain TCP in its own process, same driver: connect, the hello,
    // and three round trips (login, TempID, logout) of a similar line.
    const base = await echoBaseline(CLIENTS, 3, '{"v":1,"type":"login","username":"+61410000000","password":"pw0"}', { greeting: HELLO, ownProcess: WHERE === 'own-process' });
    rounds.push({ bt: await serverRound(WHERE), base });
  }
  const med = (f: (x: (typeof rounds)[number]) => number): number => median(rounds.map(f));
  const wall = med((x) => x.bt.wallMs);
  const p50 = med((x) => percentile(x.bt.latencies, 50));
  const p99 = med((x) => percentile(x.bt.latencies, 99));
  const whole99 = med((x) => percentile(x.bt.sessions, 99));
  const baseWall = med((x) => x.base.wallMs);
  const baseP50 = med((x) => percentile(x.base.perClientMs, 50));
  const baseP99 = med((x) => percentile(x.base.perClientMs, 99));
  const overflows = rounds.map((x) => x.bt.overflows ?? 'unknown').join(', ');
  return {
    title: `BlueTrace: ${CLIENTS} clients at once on loopback (login + Download_tempID + logout), median of ${ROUNDS} rounds`,
    lines: [
      `all ${CLIENTS} served in every round; wall ${wall.toFixed(0)} ms: ${((CLIENTS / wall) * 1000).toFixed(0)} sessions/s (rounds: ${rounds.map((x) => x.bt.wallMs.toFixed(0)).join(' / ')} ms)`,
      `per session, connect -> TempID: p50 ${ms(p50)}, p99 ${ms(p99)} (rounds: ${rounds.map((x) => percentile(x.bt.latencies, 99).toFixed(0)).join(' / ')} ms); connect -> logout_ok p99 ${ms(whole99)}; connect alone p99 ${ms(med((x) => percentile(x.bt.connectMs, 99)))}`,
      `per request round trip (login, Download_tempID, logout): p50 ${ms(med((x) => percentile(x.bt.requestMs, 50)))}, p99 ${ms(med((x) => percentile(x.bt.requestMs, 99)))}; echo p50 ${ms(med((x) => percentile(x.base.perRequestMs, 50)))}, p99 ${ms(med((x) => percentile(x.base.perRequestMs, 99)))}`,
      `kernel listen overflows/drops during each round: ${overflows} (machine-wide TcpExt counters)`,
      `baseline, bare TCP line echo (${WHERE === 'own-process' ? 'own process' : 'same process'}, same driver), same clients, hello and 3 round trips: wall ${baseWall.toFixed(0)} ms (rounds: ${rounds.map((x) => x.base.wallMs.toFixed(0)).join(' / ')}), p50 ${ms(baseP50)}, p99 ${ms(baseP99)}, connect p99 ${ms(med((x) => percentile(x.base.connectMs, 99)))}`,
      `ratio BlueTrace / echo: time ${(wall / baseWall).toFixed(2)}x, p50 ${(p50 / baseP50).toFixed(2)}x, p99 to TempID ${(p99 / baseP99).toFixed(2)}x, p99 whole session ${(whole99 / baseP99).toFixed(2)}x (per round, time: ${rounds.map((x) => (x.bt.wallMs / x.base.wallMs).toFixed(2)).join(' / ')})`,
    ],
  };
}
