/**
 * Program entry: `tacw-db --host IP [--port 5432] [--data-dir pgdata]`: Debian's PostgreSQL
 * server as a lab node, for the variant of the TAC-Warning lab where the database is a node
 * of its own. Creates the cluster on first start (role and database `tacw`, password
 * `tacw`, md5 auth from the lab network), runs `postgres` in the foreground, prints
 * `PostgreSQL <version> ready on IP:PORT` once it accepts connections, and shuts it down
 * (fast) on SIGTERM/SIGINT.
 *
 * Why a wrapper: postgres refuses to run as root (the local runtime's user), needs its
 * binaries from /usr/lib/postgresql/<version>/bin, and has no "ready" line of its own that
 * names the address; the wrapper drops to the `postgres` user and says when it is ready.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { OWNER_FILE, reapStaleHomes } from './stale-db-homes.js';

const USAGE = 'usage: tacw-db --host IP [--port 5432] [--data-dir pgdata]   (needs Debian\'s postgresql package)';

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) {
    process.stderr.write(`tacw-db: no PostgreSQL server under ${root} (apt-get install postgresql)\n`);
    process.exit(1);
  }
  return path.join(root, versions[0]!, 'bin');
}

/** uid/gid of the postgres user when we are root (postgres will not run as root). */
function dropTo(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) {
    process.stderr.write('tacw-db: running as root and there is no postgres user to run the server as\n');
    process.exit(1);
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The cluster's folder as the postgres user can reach it. The node's folder may sit under a
 * folder only root may enter (a run folder below a private temporary one): then the cluster
 * goes to a folder of the system's temporary directory, which is removed when the server
 * ends (nothing is left behind; a db node restarted in this case starts empty), and the
 * node says where.
 */
function reachableDataDir(dataDir: string, as: { uid: number; gid: number }): string {
  const parent = path.dirname(dataDir);
  if (spawnSync('test', ['-w', parent, '-a', '-x', parent], { uid: as.uid, gid: as.gid }).status === 0) return dataDir;
  reapStaleHomes();
  const home = path.join(tmpdir(), `tacw-db-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(home, OWNER_FILE), `${process.pid}\n`);
  chownSync(home, as.uid, as.gid);
  process.stdout.write(`tacw-db: ${parent} is not reachable by the postgres user; the cluster lives in ${home}\n`);
  return path.join(home, path.basename(dataDir));
}

function main(): void {
  process.stdout.on('error', () => undefined);
  const args = parseArgsOrExit('tacw-db', USAGE, () => {
    const { values, positionals } = parseArgv(process.argv.slice(2), { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.host || !/^\d{1,3}(\.\d{1,3}){3}$/.test(values.host)) throw new UsageError('--host must be the node\'s IPv4 address');
    const port = values.port ?? '5432';
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new UsageError(`--port must be 1..65535, got "${port}"`);
    return { host: values.host, port: Number(port), dataDir: path.resolve(values['data-dir'] ?? 'pgdata') };
  });
  const bin = pgBinDir();
  const as = dropTo();
  const opts = { ...(as ?? {}), stdio: 'inherit' as const };
  const requested = args.dataDir;
  if (as) {
    chownSync(path.dirname(args.dataDir), as.uid, as.gid); // the node's folder, where the cluster lives
    args.dataDir = reachableDataDir(args.dataDir, as);
  }
  if (!existsSync(path.join(args.dataDir, 'PG_VERSION'))) {
    const pwfile = path.join(path.dirname(args.dataDir), '.tacw-pw');
    writeFileSync(pwfile, 'tacw\n', { mode: 0o600 });
    if (as) chownSync(pwfile, as.uid, as.gid);
    const r = spawnSync(path.join(bin, 'initdb'), ['-D', args.dataDir, '-U', 'tacw', `--pwfile=${pwfile}`, '--auth=md5', '-E', 'UTF8', '--locale=C'], { ...opts, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      process.stderr.write(`tacw-db: initdb failed (${r.status ?? r.signal})\n`);
      process.exit(1);
    }
    writeFileSync(path.join(args.dataDir, 'pg_hba.conf'), 'local all all md5\nhost all all 0.0.0.0/0 md5\n');
    if (as) chownSync(path.join(args.dataDir, 'pg_hba.conf'), as.uid, as.gid);
  }
  const pg = spawn(path.join(bin, 'postgres'), ['-D', args.dataDir, '-h', args.host, '-p', String(args.port), '-k', args.dataDir, '-c', 'logging_collector=off'], { ...(as ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let ready = false;
  let log = '';
  const watch = (d: Buffer): void => {
    process.stdout.write(d);
    if (ready) return;
    log += d.toString();
    if (/database system is ready to accept connections/.test(log)) {
      ready = true;
      // The tacw database, once (initdb made only the role).
      const created = spawnSync(path.join(bin, 'psql'), ['-h', args.dataDir, '-p', String(args.port), '-U', 'tacw', '-d', 'postgres', '-tAc', "SELECT 1 FROM pg_database WHERE datname = 'tacw'"], { ...(as ?? {}), env: { ...process.env, PGPASSWORD: 'tacw' }, encoding: 'utf8' });
      if (created.stdout.trim() !== '1') spawnSync(path.join(bin, 'createdb'), ['-h', args.dataDir, '-p', String(args.port), '-U', 'tacw', 'tacw'], { ...(as ?? {}), env: { ...process.env, PGPASSWORD: 'tacw' }, stdio: 'inherit' });
      const v = readFileSync(path.join(args.dataDir, 'PG_VERSION'), 'utf8').trim();
      process.stdout.write(`PostgreSQL ${v} ready on ${args.host}:${args.port} (database tacw, user tacw)\n`);
    }
  };
  pg.stdout!.on('data', watch);
  pg.stderr!.on('data', watch);
  pg.on('exit', (code, signal) => {
    process.stdout.write(`postgres exited (${code ?? signal})\n`);
    if (args.dataDir !== requested) rmSync(path.dirname(args.dataDir), { recursive: true, force: true });
    process.exit(code === 0 ? 0 : 1);
  });
  const stop = (): void => void pg.kill('SIGINT'); // fast shutdown
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
