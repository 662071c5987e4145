/**
 * Program entry: `tacw-robert [--port 8081] [--host 0.0.0.0]`. Generates a key pair,
 * writes the public key to ./robert-public.pem, serves report JWTs; stdin: clock, key.
 */
import { writeFileSync } from 'node:fs';
import { systemClock } from '../common/clock.js';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { onStdinLines } from './line-commands.js';
import { formatOffset, OffsetClock, parseOffset } from './offset-clock.js';
import { buildIssuer, generateIssuerKeys } from './report-issuer.js';

const USAGE = `usage: tacw-robert [--port 8081] [--host 0.0.0.0]
  stdin: clock [+3h|-10m|0], key`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  process.stdout.on('error', () => undefined);
  const args = parseArgsOrExit('tacw-robert', USAGE, () => {
    const { values, positionals } = parseArgv(process.argv.slice(2), { port: { type: 'string' }, host: { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const port = values.port ?? '8081';
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`--port must be 0..65535, got "${port}"`);
    return { port: Number(port), host: values.host ?? '0.0.0.0' };
  });
  let clock: OffsetClock;
  try {
    clock = OffsetClock.fromEnv(systemClock);
  } catch (e) {
    process.stderr.write(`tacw-robert: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const keys = await generateIssuerKeys();
  writeFileSync('robert-public.pem', keys.publicPem);
  const app = buildIssuer(keys, clock, out);
  try {
    await app.listen({ port: args.port, host: args.host });
  } catch (e) {
    process.stderr.write(`tacw-robert: cannot listen on ${args.host}:${args.port}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const port = (app.server.address() as { port: number }).port;
  out(`Robert report issuer listening on port ${port} (key ${keys.kid}, public key in robert-public.pem)`);
  onStdinLines((line) => {
    const [cmd, arg] = line.split(/\s+/);
    if (!cmd) return;
    if (cmd === 'clock') {
      if (arg !== undefined) {
        const ms = parseOffset(arg);
        if (ms === undefined) return out(`clock: "${arg}" is not a duration such as +3h, -10m or 0`);
        clock.offsetMs = ms;
      }
      return out(`clock: ${new Date(clock.now()).toISOString()} (offset ${formatOffset(clock.offsetMs)})`);
    }
    if (cmd === 'key') return out(`key ${keys.kid}`);
    out(`unknown command "${cmd}" (commands: clock, key)`);
  });
  const stop = (): void => void app.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
