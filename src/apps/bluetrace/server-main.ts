/**
 * Program entry: `bluetrace-server <server_port> <block_duration> [--tempid-lifetime S] [--backlog N]`.
 * Serves on all interfaces from the current directory (credentials.txt, tempIDs.txt).
 */
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { BlueTraceServer } from './bluetrace-server.js';
import { SERVER_USAGE, parseServerArgs } from './cli-args.js';

async function main(): Promise<void> {
  // If whoever reads our output goes away, keep running rather than die on EPIPE.
  process.stdout.on('error', () => undefined);
  const cfg = parseArgsOrExit('bluetrace-server', SERVER_USAGE, () => parseServerArgs(process.argv.slice(2)));
  let server: BlueTraceServer;
  try {
    server = await BlueTraceServer.open({
      dir: process.cwd(),
      blockDurationSeconds: cfg.blockDurationSeconds,
      tempIdLifetimeSeconds: cfg.tempIdLifetimeSeconds,
      backlog: cfg.backlog,
    });
  } catch (err) {
    process.stderr.write(`bluetrace-server: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let port: number;
  try {
    port = await server.listen(cfg.port);
  } catch (err) {
    process.stderr.write(`bluetrace-server: cannot listen on port ${cfg.port}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `BlueTrace server listening on port ${port} (block ${cfg.blockDurationSeconds}s, TempID lifetime ${cfg.tempIdLifetimeSeconds}s)\n`,
  );
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
