/**
 * Program entry: `bluetrace-client <server_IP> <server_port> <client_udp_port> [options]`.
 * Commands come line by line on stdin; beacons arrive on the UDP port (all interfaces).
 */
import { createInterface } from 'node:readline';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ClientStartError, startClient } from './bluetrace-client.js';
import { CLIENT_USAGE, parseClientArgs } from './cli-args.js';

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(text);

async function main(): Promise<void> {
  // If whoever reads our output goes away, keep running rather than die on EPIPE.
  process.stdout.on('error', () => undefined);
  const cfg = parseArgsOrExit('bluetrace-client', CLIENT_USAGE, () => parseClientArgs(process.argv.slice(2)));
  // Set once stdin is read, after the client has started; the exit handler above may run first.
  // eslint-disable-next-line prefer-const
  let rl: ReturnType<typeof createInterface> | undefined;
  const client = await startClient({
    ...cfg,
    dir: process.cwd(),
    out,
    err,
    onExit: (code) => {
      rl?.close();
      process.stdout.write('', () => process.exit(code));
    },
  });
  // Created only now so no line typed early is read before the app can take it.
  rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => client.app.feedLine(line));
  rl.on('close', () => client.app.endOfInput());
}

main().catch((e: unknown) => {
  if (e instanceof ClientStartError) {
    err(`${e.message}\n`);
    process.exit(e.exitCode);
  }
  err(`bluetrace-client: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
