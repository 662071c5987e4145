import { DEFAULT_LISTEN_BACKLOG, LISTEN_BACKLOG_ENV, listenBacklog } from '../common/listen-backlog.js';
import { UsageError } from '../common/usage-error.js';
import { intInRange } from './int-in-range.js';

/** Validated server settings from the command line. */
export interface ServerArgs {
  port: number;
  maxAttempts: number;
  blockSeconds: number;
  idleSeconds: number;
  /** Listen backlog: --backlog, else env NETLAB_LISTEN_BACKLOG, else 4096. */
  backlog: number;
}

export const SERVER_USAGE = [
  'Usage: chat-server <server_port> <number_of_consecutive_failed_attempts> [--block-seconds N] [--idle-seconds N] [--backlog N]',
  '  server_port                            TCP port to listen on, all interfaces (1-65535)',
  '  number_of_consecutive_failed_attempts  wrong passwords in a row that block an account (1-5)',
  '  --block-seconds N                      how long a blocked account stays blocked (default 10)',
  '  --idle-seconds N                       drop a connection silent for N seconds (default 60; 0 = never)',
  `  --backlog N                            listen backlog (default ${DEFAULT_LISTEN_BACKLOG}, capped by net.core.somaxconn; env ${LISTEN_BACKLOG_ENV})`,
].join('\n');

/**
 * Parse `<server_port> <number_of_consecutive_failed_attempts>` plus options.
 *
 * Why: the seed's interface, validated strictly so a bad start fails fast with a usage
 * message (exit code 2) instead of a half-working server. Throws UsageError.
 */
export function parseServerArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): ServerArgs {
  const positional: string[] = [];
  const flags: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(block-seconds|idle-seconds|backlog)(?:=(.*))?$/.exec(a);
    if (m) {
      flags[m[1]!] = m[2] ?? argv[++i];
      continue;
    }
    if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    positional.push(a);
  }
  if (positional.length !== 2) throw new UsageError(`expected 2 arguments, got ${positional.length}`);
  const port = intInRange(positional[0], 1, 65535);
  if (port === undefined) throw new UsageError(`invalid server port "${positional[0]}" (1-65535)`);
  const maxAttempts = intInRange(positional[1], 1, 5);
  if (maxAttempts === undefined) {
    throw new UsageError(`invalid number of allowed failed consecutive attempts: ${positional[1]}; it must be an integer from 1 to 5`);
  }
  const blockSeconds = flags['block-seconds'] === undefined ? 10 : intInRange(flags['block-seconds'], 1, 86_400);
  if (blockSeconds === undefined) throw new UsageError(`invalid --block-seconds "${flags['block-seconds']}" (1-86400)`);
  const idleSeconds = flags['idle-seconds'] === undefined ? 60 : intInRange(flags['idle-seconds'], 0, 86_400);
  if (idleSeconds === undefined) throw new UsageError(`invalid --idle-seconds "${flags['idle-seconds']}" (0-86400)`);
  return { port, maxAttempts, blockSeconds, idleSeconds, backlog: listenBacklog(flags.backlog, env) };
}
