/**
 * Program entry: `tacw-server` (see SERVER_USAGE). The TAC-Warning backend: HTTP API on
 * fastify, database PGlite (default) or PostgreSQL, purge on a timer, a few commands on
 * stdin for the lab (clock, purge, stats).
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../common/clock.js';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { ErpConfig } from './domain/erp-config.js';
import { isoFromNtp, ntpFromUnixMs } from './domain/ntp-time.js';
import { buildServer } from './http/build-server.js';
import { JwtVerifier } from './http/jwt-verifier.js';
import { onStdinLines } from './line-commands.js';
import { formatOffset, OffsetClock, parseOffset } from './offset-clock.js';
import { parseServerArgs, SERVER_USAGE } from './server-args.js';
import type { ExposureStore } from './storage/exposure-store.js';
import { openStore } from './storage/open-store.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function fail(what: string, e: unknown): never {
  process.stderr.write(`tacw-server: ${what}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  process.stdout.on('error', () => undefined);
  const args = parseArgsOrExit('tacw-server', SERVER_USAGE, () => parseServerArgs(process.argv.slice(2)));
  let clock: OffsetClock;
  let config: ErpConfig;
  let keyPem: string | undefined;
  try {
    clock = OffsetClock.fromEnv(systemClock);
    config = args.erpConfigFile ? ErpConfig.parse(readFileSync(args.erpConfigFile, 'utf8'), args.erpConfigFile) : ErpConfig.builtIn();
    if (args.jwtPublicKeyFile) keyPem = readFileSync(args.jwtPublicKeyFile, 'utf8');
  } catch (e) {
    fail('bad configuration', e);
  }
  const verifier = new JwtVerifier(keyPem !== undefined ? { pem: keyPem } : { url: args.jwtPublicKeyUrl! }, clock);
  if (keyPem !== undefined) await verifier.warmUp().catch((e: unknown) => fail(`${args.jwtPublicKeyFile} is not an RSA public key (PEM)`, e));
  else void verifier.warmUp().catch(() => undefined); // the issuer may start after us; fetched again on the first report

  let store: ExposureStore;
  try {
    if (args.databaseUrl) out('waiting for the database (up to 60 s)');
    store = await openStore({ databaseUrl: args.databaseUrl, dataDir: args.dataDir === 'memory' ? undefined : args.dataDir, waitMs: 60_000 });
  } catch (e) {
    fail('cannot open the database', e);
  }
  const retentionSeconds = args.retentionDays * 86400;
  const app = buildServer({ store, verifier, config, clock, retentionSeconds, log: out });
  try {
    await app.listen({ port: args.port, host: args.host });
  } catch (e) {
    await store.close().catch(() => undefined);
    fail(`cannot listen on ${args.host}:${args.port}`, e);
  }
  const port = (app.server.address() as { port: number }).port;
  out(`TAC-Warning server listening on port ${port} (database: ${store.label}, retention ${args.retentionDays} days)`);

  const purge = async (): Promise<void> => {
    const now = ntpFromUnixMs(clock.now());
    const r = await store.purge(now);
    out(`purge at ${isoFromNtp(now)}: removed ${r.visits} exposed tokens, ${r.codes} used report codes`);
  };
  const timer = setInterval(() => void purge().catch((e: unknown) => out(`purge failed: ${(e as Error).message}`)), args.purgeEverySeconds * 1000);
  timer.unref();

  onStdinLines(async (line) => {
    const [cmd, arg] = line.split(/\s+/);
    if (!cmd) return;
    if (cmd === 'clock') {
      if (arg !== undefined) {
        const ms = parseOffset(arg);
        if (ms === undefined) return out(`clock: "${arg}" is not a duration such as +3h, -10m, 15d or 0`);
        clock.offsetMs = ms;
      }
      return out(`clock: ${new Date(clock.now()).toISOString()} (offset ${formatOffset(clock.offsetMs)})`);
    }
    if (cmd === 'purge') return purge();
    if (cmd === 'stats') {
      const s = await store.stats();
      return out(`stats: ${s.exposedTokens} exposed tokens, ${s.usedCodes} used report codes`);
    }
    if (cmd === 'help') return out('commands: clock [+3h|-10m|15d|0], purge, stats');
    out(`unknown command "${cmd}" (try help)`);
  });

  const stop = (): void => {
    clearInterval(timer);
    void app
      .close()
      .then(() => store.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
