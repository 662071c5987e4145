import { parseArgv } from '../common/parse-argv.js';
import { DEFAULT_LISTEN_BACKLOG, LISTEN_BACKLOG_ENV, listenBacklog } from '../common/listen-backlog.js';
import { UsageError } from '../common/usage-error.js';
import { DEFAULT_TEMPID_LIFETIME_SECONDS } from './bluetrace-server.js';
import { DEFAULT_CONTACT_RETENTION_SECONDS } from './contact-log.js';

/** Usage text printed on stderr with exit code 2. */
export const SERVER_USAGE = `Usage: bluetrace-server <server_port> <block_duration> [--tempid-lifetime SECONDS] [--backlog N]
  server_port         TCP port to listen on (all interfaces); 0 picks a free port
  block_duration      seconds a user stays blocked after 3 consecutive failed logins
  --tempid-lifetime   TempID lifetime in seconds (default ${DEFAULT_TEMPID_LIFETIME_SECONDS});
                      env BLUETRACE_TEMPID_LIFETIME; the flag wins over the env
  --backlog N         listen backlog (default ${DEFAULT_LISTEN_BACKLOG}, capped by net.core.somaxconn);
                      env ${LISTEN_BACKLOG_ENV}
Reads credentials.txt and reads/writes tempIDs.txt in the current directory.`;

/** Usage text printed on stderr with exit code 2. */
export const CLIENT_USAGE = `Usage: bluetrace-client <server_IP> <server_port> <client_udp_port> [options]
  --contact-retention SECONDS  keep contactlog.txt entries this long (default ${DEFAULT_CONTACT_RETENTION_SECONDS});
                               env BLUETRACE_CONTACT_RETENTION
  --allow-expired-beacon       send beacons even with an expired TempID (test scenarios);
                               env BLUETRACE_ALLOW_EXPIRED_BEACON=1
  --connect-timeout SECONDS    keep retrying the server connection this long (default 10);
                               env BLUETRACE_CONNECT_TIMEOUT
Reads commands from stdin; writes contactlog.txt in the current directory.`;

/** The server's validated command line and environment. */
export interface ServerConfig {
  port: number;
  blockDurationSeconds: number;
  tempIdLifetimeSeconds: number;
  backlog: number;
}

/** The client's validated command line and environment. */
export interface ClientConfig {
  serverHost: string;
  serverPort: number;
  udpPort: number;
  contactRetentionSeconds: number;
  allowExpiredBeacon: boolean;
  connectTimeoutSeconds: number;
}

type Env = Record<string, string | undefined>;

function integer(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${text}`);
  return n;
}

/** Flag value, else environment value, else default; validated as whole seconds >= min. */
function seconds(flag: string | undefined, flagName: string, env: Env, envName: string, fallback: number, min: number): number {
  if (flag !== undefined) return integer(flag, `--${flagName}`, min);
  const e = env[envName];
  if (e !== undefined && e !== '') return integer(e.trim(), envName, min);
  return fallback;
}

function boolEnv(env: Env, name: string): boolean {
  const v = (env[name] ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'yes') return true;
  throw new UsageError(`${name} must be 1 or 0, got "${env[name]}"`);
}

/** Parse `<server_port> <block_duration> [--tempid-lifetime S]` plus environment. */
export function parseServerArgs(argv: string[], env: Env = process.env): ServerConfig {
  const { values, positionals } = parseArgv(argv, { 'tempid-lifetime': { type: 'string' }, backlog: { type: 'string' } });
  if (positionals.length !== 2) throw new UsageError('expected exactly two arguments: <server_port> <block_duration>');
  return {
    port: integer(positionals[0]!, 'server_port', 0, 65535),
    blockDurationSeconds: integer(positionals[1]!, 'block_duration', 0),
    tempIdLifetimeSeconds: seconds(
      values['tempid-lifetime'],
      'tempid-lifetime',
      env,
      'BLUETRACE_TEMPID_LIFETIME',
      DEFAULT_TEMPID_LIFETIME_SECONDS,
      1,
    ),
    backlog: listenBacklog(values.backlog, env),
  };
}

/** Parse `<server_IP> <server_port> <client_udp_port> [options]` plus environment. */
export function parseClientArgs(argv: string[], env: Env = process.env): ClientConfig {
  const { values, positionals } = parseArgv(argv, {
    'contact-retention': { type: 'string' },
    'allow-expired-beacon': { type: 'boolean' },
    'connect-timeout': { type: 'string' },
  });
  if (positionals.length !== 3) throw new UsageError('expected exactly three arguments: <server_IP> <server_port> <client_udp_port>');
  const host = positionals[0]!;
  if (host === '' || /\s/.test(host)) throw new UsageError('server_IP must be an IP address or host name');
  return {
    serverHost: host,
    serverPort: integer(positionals[1]!, 'server_port', 1, 65535),
    udpPort: integer(positionals[2]!, 'client_udp_port', 0, 65535),
    contactRetentionSeconds: seconds(
      values['contact-retention'],
      'contact-retention',
      env,
      'BLUETRACE_CONTACT_RETENTION',
      DEFAULT_CONTACT_RETENTION_SECONDS,
      1,
    ),
    allowExpiredBeacon: values['allow-expired-beacon'] === true || boolEnv(env, 'BLUETRACE_ALLOW_EXPIRED_BEACON'),
    connectTimeoutSeconds: seconds(
      values['connect-timeout'],
      'connect-timeout',
      env,
      'BLUETRACE_CONNECT_TIMEOUT',
      10,
      0,
    ),
  };
}
