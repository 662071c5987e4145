import { connect, createServer } from 'node:net';

/**
 * A baseline for request/response benches, measured in the same run: a bare line-echo
 * server on loopback, and `clients` connections each making `roundTrips` round trips of
 * `line` one after another. What an app adds over plain TCP is the difference.
 */
export async function echoBaseline(clients: number, roundTrips: number, line: string): Promise<{ wallMs: number; perClientMs: number[]; perRequestMs: number[] }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const perRequestMs: number[] = [];
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    const sock = connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    let buffered = '';
    let waiting: (() => void) | undefined;
    sock.on('data', (d) => {
      buffered += d;
      waiting?.();
    });
    const reply = () =>
      new Promise<void>((ok) => {
        const check = () => {
          const nl = buffered.indexOf('\n');
          if (nl === -1) return void (waiting = check);
          buffered = buffered.slice(nl + 1);
          waiting = undefined;
          ok();
        };
        check();
      });
    for (let i = 0; i < roundTrips; i++) {
      const t = performance.now();
      sock.write(`${line}\n`);
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
  return { wallMs, perClientMs, perRequestMs: perRequestMs.sort((a, b) => a - b) };
}
