import { UsageError } from '../common/usage-error.js';
import { intInRange } from './int-in-range.js';

/** Validated client settings from the command line and environment. */
export interface ClientArgs {
  serverIp: string;
  serverPort: number;
  udpPort: number;
  /** Chunk size override (CHAT_UDP_CHUNK). */
  chunkSize: number | undefined;
}

export const CLIENT_USAGE = [
  'Usage: chat-client <server_IP> <server_port> <client_udp_server_port>',
  '  server_IP               address of the chat server',
  '  server_port             its TCP port (1-65535)',
  '  client_udp_server_port  UDP port this client receives files and DMs on (1-65535), all interfaces',
  'Environment: CHAT_UDP_CHUNK=n sets the transfer chunk size in bytes (default 8192).',
].join('\n');

/**
 * Parse `<server_IP> <server_port> <client_udp_server_port>` and CHAT_UDP_CHUNK.
 *
 * Why: same strictness as the server; the chunk size lives in the environment so a lab
 * can change it without changing the seed's command line. Loss is the network's job (the
 * lab's `loss:` step), not the client's. Throws UsageError.
 */
export function parseClientArgs(argv: readonly string[], env: Record<string, string | undefined>): ClientArgs {
  if (argv.length !== 3) throw new UsageError(`expected 3 arguments, got ${argv.length}`);
  const [serverIp, portText, udpText] = argv as [string, string, string];
  if (serverIp === '' || serverIp.startsWith('-')) throw new UsageError(`invalid server IP "${serverIp}"`);
  const serverPort = intInRange(portText, 1, 65535);
  if (serverPort === undefined) throw new UsageError(`invalid server port "${portText}" (1-65535)`);
  const udpPort = intInRange(udpText, 1, 65535);
  if (udpPort === undefined) throw new UsageError(`invalid client UDP port "${udpText}" (1-65535)`);
  let chunkSize: number | undefined;
  if (env.CHAT_UDP_CHUNK !== undefined && env.CHAT_UDP_CHUNK !== '') {
    chunkSize = intInRange(env.CHAT_UDP_CHUNK, 512, 60_000);
    if (chunkSize === undefined) throw new UsageError(`invalid CHAT_UDP_CHUNK "${env.CHAT_UDP_CHUNK}" (512-60000)`);
  }
  return { serverIp, serverPort, udpPort, chunkSize };
}
