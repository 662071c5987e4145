import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';

export const SERVER_USAGE = `usage: tacw-server [--port 8080] [--host 0.0.0.0]
                   (--jwt-public-key FILE | --jwt-public-key-url URL)
                   [--database-url URL | --data-dir DIR|memory] [--erp-config FILE]
                   [--retention-days 14] [--purge-every SECONDS]
  DATABASE_URL in the environment is used when --database-url is not given; without
  either, PGlite keeps the database in --data-dir (default ./tacw-db).
  stdin: clock [+3h|-10m|15d|0], purge, stats, help`;

export interface ServerArgs {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir?: string;
  jwtPublicKeyFile?: string;
  jwtPublicKeyUrl?: string;
  erpConfigFile?: string;
  retentionDays: number;
  purgeEverySeconds: number;
}

function int(v: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${name} must be a whole number ${min}..${max}, got "${v}"`);
  return Number(v);
}

/** tacw-server's command line (and DATABASE_URL), checked; UsageError on anything wrong. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServerArgs {
  const { values, positionals } = parseArgv(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    'jwt-public-key': { type: 'string' },
    'jwt-public-key-url': { type: 'string' },
    'erp-config': { type: 'string' },
    'retention-days': { type: 'string' },
    'purge-every': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const keyFile = values['jwt-public-key'];
  const keyUrl = values['jwt-public-key-url'];
  if ((keyFile === undefined) === (keyUrl === undefined)) throw new UsageError('give exactly one of --jwt-public-key FILE and --jwt-public-key-url URL');
  if (keyUrl !== undefined && !/^https?:\/\//.test(keyUrl)) throw new UsageError(`--jwt-public-key-url must be an http(s) URL, got "${keyUrl}"`);
  const databaseUrl = values['database-url'] ?? (env.DATABASE_URL || undefined);
  if (databaseUrl !== undefined && values['data-dir'] !== undefined) throw new UsageError('--data-dir is for PGlite; it cannot go with a database URL');
  return {
    port: int(values.port, '--port', 0, 65535, 8080),
    host: values.host ?? '0.0.0.0',
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    ...(databaseUrl === undefined ? { dataDir: values['data-dir'] ?? 'tacw-db' } : {}),
    ...(keyFile !== undefined ? { jwtPublicKeyFile: keyFile } : {}),
    ...(keyUrl !== undefined ? { jwtPublicKeyUrl: keyUrl } : {}),
    ...(values['erp-config'] !== undefined ? { erpConfigFile: values['erp-config'] } : {}),
    retentionDays: int(values['retention-days'], '--retention-days', 1, 365, 14),
    purgeEverySeconds: int(values['purge-every'], '--purge-every', 1, 86400 * 7, 3600),
  };
}
