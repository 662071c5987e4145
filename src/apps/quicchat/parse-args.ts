import { isIP } from 'node:net';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { SERVER_NAME } from './pem.js';

export const SERVER_USAGE =
  'usage: quicchat-server <port> [--users FILE] [--ca-out FILE] [--no-ca-port] [--login-timeout S] [--silence-timeout S]';
export const CLIENT_USAGE = 'usage: quicchat-client <server_ip> <port> [--ca FILE] [--server-name NAME] [--versions 1,2] [--alive S]';

function port(s: string | undefined, what: string): number {
  if (s === undefined || !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw new UsageError(`${what} must be a port number 1-65535, got ${JSON.stringify(s)}`);
  return Number(s);
}

function seconds(s: string | undefined, what: string, fallback: number): number {
  if (s === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) <= 0) throw new UsageError(`${what} must be a positive number of seconds, got ${JSON.stringify(s)}`);
  return Number(s);
}

export interface ServerArgs {
  port: number;
  usersFile: string | null;
  caOut: string;
  caPort: boolean;
  loginTimeoutSec: number;
  silenceTimeoutSec: number;
}

/** `quicchat-server <port> [...]`; timeouts also from QUICCHAT_LOGIN_TIMEOUT / QUICCHAT_SILENCE_TIMEOUT. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServerArgs {
  const { values, positionals } = parseArgv(argv, {
    users: { type: 'string' },
    'ca-out': { type: 'string' },
    'no-ca-port': { type: 'boolean' },
    'login-timeout': { type: 'string' },
    'silence-timeout': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(`expected 1 argument (port), got ${positionals.length}`);
  return {
    port: port(positionals[0], 'port'),
    usersFile: values.users ?? null,
    caOut: values['ca-out'] ?? 'quicchat-ca.pem',
    caPort: !values['no-ca-port'],
    loginTimeoutSec: seconds(values['login-timeout'] ?? env.QUICCHAT_LOGIN_TIMEOUT, 'login timeout', 60),
    silenceTimeoutSec: seconds(values['silence-timeout'] ?? env.QUICCHAT_SILENCE_TIMEOUT, 'silence timeout', 90),
  };
}

export interface ClientArgs {
  host: string;
  port: number;
  caFile: string | null;
  serverName: string;
  versions: number[];
  aliveSec: number;
}

/** `quicchat-client <server_ip> <port> [...]`; the ALIVE period also from QUICCHAT_ALIVE_INTERVAL, the offered versions from QUICCHAT_VERSIONS. */
export function parseClientArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ClientArgs {
  const { values, positionals } = parseArgv(argv, {
    ca: { type: 'string' },
    'server-name': { type: 'string' },
    versions: { type: 'string' },
    alive: { type: 'string' },
  });
  if (positionals.length !== 2) throw new UsageError(`expected 2 arguments (server_ip port), got ${positionals.length}`);
  const host = positionals[0]!;
  if (!isIP(host) && host !== 'localhost') throw new UsageError(`server_ip must be an IP address, got ${JSON.stringify(host)}`);
  const versions = (values.versions ?? env.QUICCHAT_VERSIONS ?? '1').split(',').map((v) => v.trim());
  if (versions.some((v) => !/^\d+$/.test(v))) throw new UsageError(`--versions must be a comma-separated list of integers, got ${JSON.stringify(values.versions)}`);
  return {
    host,
    port: port(positionals[1], 'port'),
    caFile: values.ca ?? null,
    serverName: values['server-name'] ?? SERVER_NAME,
    versions: versions.map(Number),
    aliveSec: seconds(values.alive ?? env.QUICCHAT_ALIVE_INTERVAL, 'alive interval', 30),
  };
}
