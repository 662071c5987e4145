import { readFileSync } from 'node:fs';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { CLIENT_ID_RE } from './message.js';

/** The client's command line, once checked. */
export interface ClientArgs {
  host: string;
  udpPort: number;
  id: string;
  key: string;
  idleTimeoutSec: number;
}

export const CLIENT_USAGE = `Usage: crchat-client <server_IP> <server_udp_port> [<client_id> <secret_key>] [options]
  Client ID and secret key, first found wins:
    1. the two positional arguments <client_id> <secret_key>
    2. --key-file FILE   one line "<client-id> <secret-key>"
    3. environment CRCHAT_ID and CRCHAT_KEY
  --idle-timeout SECONDS   log off after this long without typing, 0 = never (default: 0;
                           the server's own activity timer still applies)
  Then type: Log on | Chat <client-ID> | End chat | History <client-ID> | Log off | <message>`;

/**
 * Parse the client's arguments; `env` and `readFile` are passed in so tests need no
 * real environment or files.
 *
 * Why three sources for the key: argv is simplest in class, but visible in `ps`; the lab
 * can pass the key in the environment or a file instead.
 */
export function parseClientArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  readFile: (f: string) => string = (f) => readFileSync(f, 'utf8'),
): ClientArgs {
  const { values: v, positionals: p } = parseArgv(argv, { 'key-file': { type: 'string' }, 'idle-timeout': { type: 'string' } });
  if (p.length !== 2 && p.length !== 4) throw new UsageError('expected <server_IP> <server_udp_port> [<client_id> <secret_key>]');
  const [host, portText] = p as [string, string];
  if (host === '') throw new UsageError('empty server_IP');
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw new UsageError(`bad server_udp_port: ${portText}`);
  let id: string | undefined;
  let key: string | undefined;
  if (p.length === 4) {
    [id, key] = [p[2]!, p[3]!];
  } else if (v['key-file'] !== undefined) {
    let text: string;
    try {
      text = readFile(v['key-file']);
    } catch (err) {
      throw new UsageError(`cannot read --key-file: ${(err as Error).message}`);
    }
    const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    const parts = line?.split(/\s+/) ?? [];
    if (parts.length !== 2) throw new UsageError('--key-file must hold one line "<client-id> <secret-key>"');
    [id, key] = parts as [string, string];
  } else {
    id = env.CRCHAT_ID;
    key = env.CRCHAT_KEY;
    if (!id || !key) throw new UsageError('no client ID and key: give <client_id> <secret_key>, --key-file, or CRCHAT_ID and CRCHAT_KEY');
  }
  if (!CLIENT_ID_RE.test(id)) throw new UsageError(`bad client ID: ${id}`);
  if (key === '' || /\s/.test(key)) throw new UsageError('bad secret key (empty or with spaces)');
  const idle = v['idle-timeout'] ?? '0';
  if (!/^\d+(\.\d+)?$/.test(idle)) throw new UsageError(`bad --idle-timeout: ${idle}`);
  return { host, udpPort: Number(portText), id, key, idleTimeoutSec: Number(idle) };
}
