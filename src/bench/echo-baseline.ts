import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { DEFAULT_LISTEN_BACKLOG } from '../apps/common/listen-backlog.js';
import { startChildServer } from './child-server.js';
import { LineClient } from './line-client.js';

/** What one baseline run measured; all arrays ascending. */
export interface EchoBaseline {
  wallMs: number;
  /** Per client: connect to last reply. */
  perClientMs: number[];
  perRequestMs: number[];
  /** Per client: connect() to the 'connect' event. */
  connectMs: number[];
}

/** How the baseline's echo server runs, to match the server it stands beside. */
export interface EchoOptions {
  /** A first line the server sends on each connection, which the client waits for (a hello). */
  greeting?: string;
  /** Run the echo server as a process of its own (as the bench runs the real server); default in this process. */
  ownProcess?: boolean;
}

/** Start the echo server: in this process, or as bench-echo-server.js in its own. */
async function startEcho(opts: EchoOptions): Promise<{ port: number; stop: () => Promise<void> }> {
  if (opts.ownProcess) {
    const script = fileURLToPath(new URL('./bench-echo-server.js', import.meta.url));
    return startChildServer(script, opts.greeting === undefined ? [] : [opts.greeting], tmpdir());
  }
  const greeting = opts.greeting === undefined ? undefined : Buffer.from(`${opts.greeting}\n`);
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.setNoDelay(true);
    if (greeting) s.write(greeting);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((ok) => server.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, ok));
  return { port: (server.address() as { port: number }).port, stop: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/**
 * A baseline for request/response benches, measured in the same run: a bare line-echo
 * server on loopback (same listen backlog as the reference servers), and `clients`
 * connections each waiting for the greeting (if any), then making `roundTrips` round trips
 * of `line` one after another.
 *
 * Why the same driver: the clients are LineClients, exactly what the server benches drive
 * their servers with, so on a two-core machine where the driver's own work is part of every
 * figure, both sides of the ratio carry the same driver cost; what an app adds over plain
 * TCP is the difference.
 */
export async function echoBaseline(clients: number, roundTrips: number, line: string, opts: EchoOptions = {}): Promise<EchoBaseline> {
  const server = await startEcho(opts);
  const perRequestMs: number[] = [];
  const connectMs: number[] = [];
  const open = new Set<LineClient>();
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    const c = await LineClient.open(server.port);
    open.add(c);
    connectMs.push(c.connectMs);
    if (opts.greeting !== undefined) await c.next();
    for (let i = 0; i < roundTrips; i++) await c.ask(line, perRequestMs);
    const ms = performance.now() - t0;
    c.close();
    open.delete(c);
    return ms;
  };
  try {
    const t0 = performance.now();
    const perClientMs = (await Promise.all(Array.from({ length: clients }, one))).sort((a, b) => a - b);
    const wallMs = performance.now() - t0;
    const up = (a: number[]): number[] => a.sort((x, y) => x - y);
    return { wallMs, perClientMs, perRequestMs: up(perRequestMs), connectMs: up(connectMs) };
  } finally {
    for (const c of open) c.close();
    await server.stop();
  }
}
