import { parseArgv } from '../common/parse-argv.js';
import { DEFAULT_LISTEN_BACKLOG, LISTEN_BACKLOG_ENV, listenBacklog } from '../common/listen-backlog.js';
import { UsageError } from '../common/usage-error.js';

/** The server's command line, once checked. */
export interface ServerArgs {
  udpPort: number;
  tcpPort: number | undefined;
  subscribersFile: string;
  historyFile: string;
  idleTimeoutSec: number;
  cookieTtlSec: number;
  /** TCP listen backlog: --backlog, else env NETLAB_LISTEN_BACKLOG, else 4096. */
  backlog: number;
}

export const SERVER_USAGE = `Usage: crchat-server <udp_port> [options]
  <udp_port>               UDP port for the log-on phase (HELLO/RESPONSE)
  --tcp-port N             TCP port announced in AUTH_SUCCESS (default: same number as <udp_port>)
  --subscribers FILE       "<client-id> <secret-key>" per line (default: subscribers.txt)
  --history FILE           chat history, JSON Lines, kept across restarts (default: history.jsonl)
  --idle-timeout SECONDS   disconnect a client silent this long, 0 = never (default: 300)
  --cookie-ttl SECONDS     how long a rand_cookie stays valid for CONNECT (default: 30)
  --backlog N              TCP listen backlog (default: ${DEFAULT_LISTEN_BACKLOG}, capped by net.core.somaxconn; env ${LISTEN_BACKLOG_ENV})`;

function port(v: string, what: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535 || (!allowZero && Number(v) === 0)) throw new UsageError(`bad ${what}: ${v}`);
  return Number(v);
}

function seconds(v: string, what: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`bad ${what}: ${v}`);
  return Number(v);
}

/**
 * Parse the server's arguments (no side effects; files are opened by the caller).
 *
 * Why port 0 is allowed: tests and the bench ask the OS for free ports.
 */
export function parseServerArgs(argv: string[], env: Record<string, string | undefined> = process.env): ServerArgs {
  const { values: v, positionals } = parseArgv(argv, {
    'tcp-port': { type: 'string' },
    subscribers: { type: 'string' },
    history: { type: 'string' },
    'idle-timeout': { type: 'string' },
    'cookie-ttl': { type: 'string' },
    backlog: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one argument: <udp_port>');
  return {
    udpPort: port(positionals[0]!, 'udp_port', true),
    tcpPort: v['tcp-port'] === undefined ? undefined : port(v['tcp-port'], '--tcp-port', true),
    subscribersFile: v.subscribers ?? 'subscribers.txt',
    historyFile: v.history ?? 'history.jsonl',
    idleTimeoutSec: v['idle-timeout'] === undefined ? 300 : seconds(v['idle-timeout'], '--idle-timeout'),
    cookieTtlSec: v['cookie-ttl'] === undefined ? 30 : seconds(v['cookie-ttl'], '--cookie-ttl'),
    backlog: listenBacklog(v.backlog, env),
  };
}
