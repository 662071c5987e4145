/**
 * crchat-server entry point: parse argv, load subscribers and history, bind, log events on
 * stdout. The only module of the server that calls process.exit.
 */
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { HistoryStore } from './history-store.js';
import { loadSubscribers, SubscribersError } from './load-subscribers.js';
import { parseServerArgs, SERVER_USAGE } from './parse-server-args.js';
import { startServer } from './start-server.js';

async function main(): Promise<number> {
  const args = parseArgsOrExit('crchat-server', SERVER_USAGE, () => parseServerArgs(process.argv.slice(2)));
  const log = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  let subscribers;
  let history;
  try {
    subscribers = loadSubscribers(args.subscribersFile);
    history = HistoryStore.open(args.historyFile);
  } catch (err) {
    process.stderr.write(`crchat-server: ${err instanceof SubscribersError ? err.message : `history ${args.historyFile}: ${(err as Error).message}`}\n`);
    return 1;
  }
  if (history.tornTail) log(`history: cut a torn last line in ${args.historyFile}`);
  if (history.skipped > 0) log(`history: skipped ${history.skipped} unreadable line(s) in ${args.historyFile}`);
  let server;
  try {
    server = await startServer({
      udpPort: args.udpPort,
      ...(args.tcpPort !== undefined ? { tcpPort: args.tcpPort } : {}),
      subscribers,
      history,
      idleTimeoutMs: args.idleTimeoutSec * 1000,
      cookieTtlMs: args.cookieTtlSec * 1000,
      backlog: args.backlog,
      log,
    });
  } catch (err) {
    process.stderr.write(`crchat-server: cannot listen: ${(err as Error).message}\n`);
    return 1;
  }
  log(
    `crchat server listening on UDP ${server.udpPort} and TCP ${server.tcpPort}; ${subscribers.size} subscriber(s); ` +
      `history ${args.historyFile}; idle timeout ${args.idleTimeoutSec}s`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('crchat server shutting down');
  await server.close();
  history.close();
  return 0;
}

process.exitCode = await main();
process.exit();
