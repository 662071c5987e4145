/**
 * quicchat-server entry point: parse argv, make the lab's certificates, listen on QUIC
 * (UDP) and hand the CA out on TCP, log events on stdout. The only module of the server
 * that calls process.exit.
 */
import { writeFileSync } from 'node:fs';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ChatServer } from './chat-server.js';
import { makeLabCertificates } from './lab-certificates.js';
import { parseServerArgs, SERVER_USAGE } from './parse-args.js';
import { ALPN } from './quic-config.js';
import { startQuicServer } from './start-quic-server.js';
import { UserDb, UsersFileError } from './user-db.js';

async function main(): Promise<number> {
  const args = parseArgsOrExit('quicchat-server', SERVER_USAGE, () => parseServerArgs(process.argv.slice(2), process.env));
  const log = (line: string): void => void process.stdout.write(`[svr] ${line}\n`);
  // The last line of defence: a library promise nobody awaited is logged, never fatal.
  process.on('unhandledRejection', (e) => log(`ignored an unhandled rejection: ${(e as Error)?.message ?? String(e)}`));
  process.on('uncaughtException', (e) => log(`ignored an uncaught exception: ${e.message}`));
  let users: UserDb;
  try {
    users = args.usersFile ? UserDb.load(args.usersFile) : UserDb.defaults();
  } catch (e) {
    process.stderr.write(`quicchat-server: ${e instanceof UsersFileError ? e.message : String(e)}\n`);
    return 1;
  }
  log('Server starting...');
  const certs = await makeLabCertificates();
  try {
    writeFileSync(args.caOut, certs.caPem);
  } catch (e) {
    process.stderr.write(`quicchat-server: cannot write ${args.caOut}: ${(e as Error).message}\n`);
    return 1;
  }
  const core = new ChatServer({
    users,
    log,
    limits: { loginTimeoutMs: args.loginTimeoutSec * 1000, silenceTimeoutMs: args.silenceTimeoutSec * 1000 },
  });
  let server;
  try {
    server = await startQuicServer({ core, port: args.port, certs, caPort: args.caPort ? args.port : null, log });
  } catch (e) {
    process.stderr.write(`quicchat-server: cannot listen on ${args.port}: ${(e as Error).message}\n`);
    return 1;
  }
  log(`lab CA ${certs.caFingerprint} written to ${args.caOut}${server.caPort ? `, served on TCP ${server.caPort}` : ''}`);
  log(
    `quicchat server listening on UDP ${server.port} (QUIC, ALPN ${ALPN}); ${users.size} user(s); ` +
      `login timeout ${args.loginTimeoutSec}s, silence timeout ${args.silenceTimeoutSec}s`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('quicchat server shutting down');
  await server.close();
  return 0;
}

process.exitCode = await main();
process.exit();
