/**
 * crchat-client entry point: parse argv, then feed each stdin line to a ChatClient and
 * print what it says on stdout. The only module of the client that calls process.exit.
 */
import { createInterface } from 'node:readline';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ChatClient } from './chat-client.js';
import { nodeTransport } from './node-transport.js';
import { CLIENT_USAGE, parseClientArgs } from './parse-client-args.js';

async function main(): Promise<number> {
  const args = parseArgsOrExit('crchat-client', CLIENT_USAGE, () => parseClientArgs(process.argv.slice(2)));
  const client = new ChatClient({
    id: args.id,
    key: args.key,
    transport: nodeTransport(args.host, args.udpPort),
    print: (line) => process.stdout.write(line + '\n'),
    idleTimeoutMs: args.idleTimeoutSec * 1000,
  });
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => void client.input(line));
  await new Promise<void>((resolve) => {
    rl.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await client.shutdown();
  return 0;
}

process.exitCode = await main();
// Let the FIN of a log-off leave before exiting.
setTimeout(() => process.exit(), 50);
