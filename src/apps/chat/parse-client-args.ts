import { UsageError } from '../common/usage-error.js';
import { intInRange } from './int-in-range.js';

/** Validated client settings from the command line and environment. */
export interface ClientArgs {
  serverIp: string;
  serverPort: number;
  udpPort: number;
  /** Fraction of outgoing datagrams to drop (CHAT_UDP_LOSS), 0 = none. */
  loss: number;
  /** Seed for the drop pattern (CHAT_UDP_LOSS_SEED); undefined = random. */
  lossSeed: number | undefined;
  /** Chunk size override (CHAT_UDP_CHUNK). */
  chunkSize: number | undefined;
}

export const CLIENT_USAGE = [
  'Usage: chat-client <server_IP> <server_port> <client_udp_server_port>',
  '  server_IP               address of the chat server',
  '  server_port             its TCP port (1-65535)',
  '  client_udp_server_port  UDP port this client receives files and DMs on (1-65535), all interfaces',
  'Environment: CHAT_UDP_LOSS=0.1 drops that fraction of outgoing UDP datagrams; CHAT_UDP_LOSS_SEED=n makes',
  '  the drops reproducible; CHAT_UDP_CHUNK=n sets the transfer chunk size in bytes (default 8192).',
].join('\n');

/**
 * Parse `<server_IP> <server_port> <client_udp_server_port>` and the CHAT_UDP_* variables.
 *
 * Why: same strictness as the server; the loss knobs live in the environment so a lab
 * scenario can turn them on without changing the seed's command line. Throws UsageError.
 */
export function parseClientArgs(argv: readonly string[], env: Record<string, string | undefined>): ClientArgs {
  if (argv.length !== 3) throw new UsageError(`expected 3 arguments, got ${argv.length}`);
  const [serverIp, portText, udpText] = argv as [string, string, string];
  if (serverIp === '' || serverIp.startsWith('-')) throw new UsageError(`invalid server IP "${serverIp}"`);
  const serverPort = intInRange(portText, 1, 65535);
  if (serverPort === undefined) throw new UsageError(`invalid server port "${portText}" (1-65535)`);
  const udpPort = intInRange(udpText, 1, 65535);
  if (udpPort === undefined) throw new UsageError(`invalid client UDP port "${udpText}" (1-65535)`);
  let loss = 0;
  if (env.CHAT_UDP_LOSS !== undefined && env.CHAT_UDP_LOSS !== '') {
    loss = Number(env.CHAT_UDP_LOSS);
    if (!Number.isFinite(loss) || loss < 0 || loss > 0.9) throw new UsageError(`invalid CHAT_UDP_LOSS "${env.CHAT_UDP_LOSS}" (0 to 0.9)`);
  }
  let lossSeed: number | undefined;
  if (env.CHAT_UDP_LOSS_SEED !== undefined && env.CHAT_UDP_LOSS_SEED !== '') {
    lossSeed = intInRange(env.CHAT_UDP_LOSS_SEED, 0, 0xffffffff);
    if (lossSeed === undefined) throw new UsageError(`invalid CHAT_UDP_LOSS_SEED "${env.CHAT_UDP_LOSS_SEED}"`);
  }
  let chunkSize: number | undefined;
  if (env.CHAT_UDP_CHUNK !== undefined && env.CHAT_UDP_CHUNK !== '') {
    chunkSize = intInRange(env.CHAT_UDP_CHUNK, 512, 60_000);
    if (chunkSize === undefined) throw new UsageError(`invalid CHAT_UDP_CHUNK "${env.CHAT_UDP_CHUNK}" (512-60000)`);
  }
  return { serverIp, serverPort, udpPort, loss, lossSeed, chunkSize };
}
