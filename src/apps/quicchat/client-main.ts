/**
 * quicchat-client entry point: get the lab CA (a file, or the server's TCP port), connect
 * over QUIC, then feed stdin lines to a ChatClient. The only module of the client that
 * calls process.exit.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ChatClient } from './chat-client.js';
import { connectQuic, fetchCa, type QuicLink } from './connect-quic.js';
import { fingerprint, isOnePemCertificate } from './pem.js';
import { CLIENT_USAGE, parseClientArgs } from './parse-args.js';

async function main(): Promise<number> {
  const args = parseArgsOrExit('quicchat-client', CLIENT_USAGE, () => parseClientArgs(process.argv.slice(2), process.env));
  process.on('unhandledRejection', () => {});
  let exitCode: number | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const client = new ChatClient({
    versions: args.versions,
    aliveIntervalMs: args.aliveSec * 1000,
    print: (l) => void process.stdout.write(l + '\n'),
    prompt: (t) => void process.stdout.write(t),
    exit: (code) => {
      exitCode = code;
      done();
    },
  });
  // Lines typed before the connection is up wait in the client's queue.
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (l) => client.input(l));
  rl.once('close', () => client.endOfInput());
  process.once('SIGINT', () => client.endOfInput());
  process.once('SIGTERM', () => client.finish(0));

  let caPem: string;
  try {
    caPem = args.caFile ? readFileSync(args.caFile, 'utf8') : await fetchCa(args.host, args.port);
    if (!isOnePemCertificate(caPem)) throw new Error(`${args.caFile} is not one PEM certificate`);
  } catch (e) {
    process.stdout.write(`Cannot get the lab CA certificate: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`quicchat-client: trusting lab CA ${fingerprint(caPem)}${args.caFile ? ` from ${args.caFile}` : ` from ${args.host}:${args.port}/tcp`}\n`);
  client.connecting();
  let link: QuicLink;
  try {
    link = await connectQuic({ host: args.host, port: args.port, caPem, serverName: args.serverName });
  } catch (e) {
    process.stdout.write(`Cannot connect to ${args.host}:${args.port}: ${(e as Error).message}\n`);
    return 1;
  }
  client.attach(link.stream);
  await finished;
  rl.close();
  // Let the last PDU (LOGOUT's answer was read; a final write may be pending) leave.
  await new Promise((r) => setTimeout(r, 100));
  await link.close();
  return exitCode ?? 0;
}

process.exitCode = await main();
process.exit();
