import * as net from 'node:net';
import * as path from 'node:path';
import { systemClock } from '../common/clock.js';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ChatServer } from './chat-server.js';
import { CredentialStore } from './credential-store.js';
import { parseServerArgs, SERVER_USAGE } from './parse-server-args.js';

/**
 * Entry point: `chat-server <server_port> <number_of_consecutive_failed_attempts>`.
 *
 * Why: the only place that touches process, sockets and the working directory; all
 * behaviour lives in ChatServer and its sessions.
 */
function main(): void {
  const args = parseArgsOrExit('chat-server', SERVER_USAGE, () => parseServerArgs(process.argv.slice(2)));
  const dir = process.cwd();
  const { store, missing } = CredentialStore.load(path.join(dir, 'credentials.txt'));
  if (missing) process.stderr.write(`chat-server: warning: no credentials.txt in ${dir}; only newly registered users can log in\n`);
  const server = new ChatServer({
    clock: systemClock,
    credentials: store,
    maxAttempts: args.maxAttempts,
    blockMs: args.blockSeconds * 1000,
    logDir: dir,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const listener = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    if (args.idleSeconds > 0) {
      socket.setTimeout(args.idleSeconds * 1000, () => socket.destroy());
    }
    server.attach(socket, socket.remoteAddress ?? 'unknown');
  });
  listener.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`chat-server: cannot listen on port ${args.port}: ${err.code ?? err.message}\n`);
    process.exit(1);
  });
  listener.listen({ port: args.port, backlog: args.backlog }, () => {
    process.stdout.write(
      `Chat server listening on port ${args.port} (all interfaces); ${store.size} account(s); ` +
        `an account is blocked for ${args.blockSeconds} s after ${args.maxAttempts} consecutive failed attempt(s).\n`,
    );
  });
  const stop = (): void => {
    process.stdout.write('Chat server shutting down.\n');
    server.close();
    listener.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
