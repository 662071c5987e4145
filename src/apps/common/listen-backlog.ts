import { UsageError } from './usage-error.js';

/**
 * Listen backlog of the reference servers: room for a lecture hall of clients connecting
 * in the same instant (the kernel caps it at net.core.somaxconn, 4096 by default).
 *
 * Why not Node's default (511): at 1,000 simultaneous connects the accept queue overflowed,
 * the kernel dropped SYNs and clients waited a full second for their SYN retry.
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Environment variable every reference server reads when its `--backlog` flag is absent. */
export const LISTEN_BACKLOG_ENV = 'NETLAB_LISTEN_BACKLOG';

/**
 * The backlog from a `--backlog` value, else the environment, else the default;
 * a whole number 1..65535 or a UsageError naming where the bad value came from.
 */
export function listenBacklog(flag: string | undefined, env: Record<string, string | undefined> = process.env): number {
  const [text, what] = flag !== undefined ? [flag, '--backlog'] : [env[LISTEN_BACKLOG_ENV]?.trim() ?? '', LISTEN_BACKLOG_ENV];
  if (flag === undefined && text === '') return DEFAULT_LISTEN_BACKLOG;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`${what} must be a whole number from 1 to 65535, got "${text}"`);
  }
  return Number(text);
}
