/**
 * Program: the bare TCP line echo the load benches measure servers against, run as its own
 * process like the server it stands beside. `node bench-echo-server.js [greeting]` listens on
 * 127.0.0.1 (a free port, the reference servers' listen backlog), prints
 * `echo listening on port N`, sends `greeting` (when given) as the first line on each
 * connection, then echoes every byte back.
 *
 * Why a greeting: a BlueTrace or chat session opens with the server's hello, so the
 * baseline's client waits for one line first as well; the bench driver is then the same.
 * (Named bench-* so `npm run bench` does not import it as a bench.)
 */
import { createServer } from 'node:net';
import { DEFAULT_LISTEN_BACKLOG } from '../apps/common/listen-backlog.js';

const greeting = process.argv[2] === undefined ? undefined : Buffer.from(`${process.argv[2]}\n`);
const server = createServer((s) => {
  s.on('error', () => undefined);
  s.setNoDelay(true);
  if (greeting) s.write(greeting);
  s.on('data', (d) => s.write(d));
});
server.listen({ port: 0, host: '127.0.0.1', backlog: DEFAULT_LISTEN_BACKLOG }, () => {
  process.stdout.write(`echo listening on port ${(server.address() as { port: number }).port}\n`);
});
process.once('SIGTERM', () => process.exit(0));
