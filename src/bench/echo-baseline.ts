import { connect, createServer } from 'node:net';
import { DEFAULT_LISTEN_BACKLOG } from '../apps/common/listen-backlog.js';

/** What one baseline run measured; all arrays ascending. */
export interface EchoBaseline {
  wallMs: number;
  /** Per client: connect to last reply. */
  perClientMs: number[];
  perRequestMs: number[];
  /** Per client: connect() to the 'connect' event. */
  connectMs: number[];
}

/**
 * A baseline for request/response benches, measured in the same run: a bare line-echo
 * server on loopback (same listen backlog as the reference servers), and `clients`
 * connections each making `roundTrips` round trips of `line` one after another. What an
 * app adds over plain TCP is the difference.
 */
export async function echoBaseline(clients: number, roundTrips: number, line: string): Promise<EchoBaseline> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((ok) => server.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, ok));
  const port = (server.address() as { port: number }).port;
  const perRequestMs: number[] = [];
  const connectMs: number[] = [];
  const payload = Buffer.from(`${line}\n`);
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    const sock = connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    await new Promise<void>((ok) => sock.once('connect', ok));
    connectMs.push(performance.now() - t0);
    let buffered = 0;
    let waiting: (() => void) | undefined;
    sock.on('data', (d: Buffer) => {
      buffered += d.length;
      waiting?.();
    });
    const reply = () =>
      new Promise<void>((ok) => {
        const check = () => {
          if (buffered < payload.length) return void (waiting = check);
          buffered -= payload.length;
          waiting = undefined;
          ok();
        };
        check();
      });
    for (let i = 0; i < roundTrips; i++) {
      const t = performance.now();
      sock.write(payload);
      await reply();
      perRequestMs.push(performance.now() - t);
    }
    const ms = performance.now() - t0;
    sock.destroy();
    return ms;
  };
  const t0 = performance.now();
  const perClientMs = (await Promise.all(Array.from({ length: clients }, one))).sort((a, b) => a - b);
  const wallMs = performance.now() - t0;
  await new Promise<void>((ok) => server.close(() => ok()));
  const up = (a: number[]): number[] => a.sort((x, y) => x - y);
  return { wallMs, perClientMs, perRequestMs: up(perRequestMs), connectMs: up(connectMs) };
}
