import * as net from 'node:net';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { CHAT_LIMITS } from './chat-limits.js';
import { ChatClient, printPeerEvents } from './chat-client.js';
import { UdpDatagramPort, type DatagramPort } from './datagram-port.js';
import { InputLineSplitter } from './input-line-splitter.js';
import { parseClientArgs, CLIENT_USAGE } from './parse-client-args.js';
import { PeerLink } from './peer-link.js';
import { ServerLink } from './server-link.js';
import { TerminalOutput } from './terminal-output.js';

/**
 * Entry point: `chat-client <server_IP> <server_port> <client_udp_server_port>`.
 *
 * Why: wires real stdin/stdout, the TCP connection and the UDP socket (bound on all
 * interfaces, optionally wrapped in loss injection) to the ChatClient.
 */
async function main(): Promise<void> {
  const args = parseArgsOrExit('chat-client', CLIENT_USAGE, () => parseClientArgs(process.argv.slice(2), process.env));
  let udp: UdpDatagramPort;
  try {
    udp = await UdpDatagramPort.bind(args.udpPort);
  } catch (err) {
    process.stderr.write(`chat-client: cannot bind UDP port ${args.udpPort}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    process.exit(1);
  }
  const port: DatagramPort = udp;
  const out = new TerminalOutput((text) => process.stdout.write(text), !process.stdin.isTTY);
  const peer = new PeerLink(port, {
    dir: process.cwd(),
    events: printPeerEvents(out),
    tuning: args.chunkSize ? { chunkSize: args.chunkSize } : {},
  });

  const socket = net.connect({ host: args.serverIp, port: args.serverPort });
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`chat-client: cannot connect to the chat server at ${args.serverIp}:${args.serverPort}: ${err.code ?? err.message}\n`);
      process.exit(1);
    });
  });
  const link = new ServerLink(socket);
  const client = new ChatClient({
    link,
    peer,
    out,
    udpPort: args.udpPort,
    cwd: process.cwd(),
    exit: (code) => {
      peer.close();
      link.close();
      process.stdout.write('', () => process.exit(code));
    },
  });
  setInterval(() => link.request('ping').catch(() => {}), 10_000).unref();
  const lines = new InputLineSplitter(
    CHAT_LIMITS.maxInputBytes,
    (line) => client.input(line),
    () => out.line(`Error: input line longer than ${CHAT_LIMITS.maxInputBytes} bytes; ignored.`),
  );
  process.stdin.on('data', (chunk: Buffer) => lines.push(chunk));
  process.stdin.on('end', () => client.endInput());
  await client.start();
}

void main();
