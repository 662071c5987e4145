/**
 * Program entry: `tacw-phone --server URL --robert URL [--retention-days 14]`. The visitor
 * app, driven by a person (or the lab) over stdin; the local list is kept encrypted in
 * ./visits.enc.
 */
import { systemClock } from '../common/clock.js';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { EncryptedFile } from './encrypted-file.js';
import { onStdinLines } from './line-commands.js';
import { OffsetClock } from './offset-clock.js';
import { PhoneApp, type LocalVisit } from './phone-app.js';

const USAGE = `usage: tacw-phone --server http://HOST:8080 --robert http://HOST:8081 [--retention-days 14]
  The list of visits is kept in ./visits.enc, encrypted with TACW_PHONE_PASSPHRASE or, without it,
  with a key kept in ./phone.key. TACW_CLOCK_OFFSET (e.g. +3h) sets the phone's clock ahead.
  stdin: scan <qr>, visits, status, report [issuer url] [code], replay, clock [+3h], help, quit`;

async function main(): Promise<void> {
  process.stdout.on('error', () => undefined);
  const args = parseArgsOrExit('tacw-phone', USAGE, () => {
    const { values, positionals } = parseArgv(process.argv.slice(2), { server: { type: 'string' }, robert: { type: 'string' }, 'retention-days': { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    for (const k of ['server', 'robert'] as const) if (!values[k] || !/^https?:\/\/\S+$/.test(values[k])) throw new UsageError(`--${k} must be an http URL`);
    const days = values['retention-days'] ?? '14';
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 60) throw new UsageError(`--retention-days must be 1..60, got "${days}"`);
    return { server: values.server!.replace(/\/$/, ''), robert: values.robert!.replace(/\/$/, ''), retentionDays: Number(days) };
  });
  let clock: OffsetClock;
  try {
    clock = OffsetClock.fromEnv(systemClock);
  } catch (e) {
    process.stderr.write(`tacw-phone: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const pass = process.env.TACW_PHONE_PASSPHRASE;
  const list = new EncryptedFile<LocalVisit[]>('visits.enc', pass ? { passphrase: pass } : { keyFile: 'phone.key' });
  const app = new PhoneApp({ serverUrl: args.server, robertUrl: args.robert, retentionDays: args.retentionDays, clock, list });
  process.stdout.write(`TAC-W phone ready (server ${args.server}, issuer ${args.robert}; type help)\n`);
  onStdinLines(
    async (line) => {
      if (line === 'quit' || line === 'exit') process.exit(0);
      for (const l of await app.handle(line)) process.stdout.write(`${l}\n`);
    },
    () => process.exit(0),
  );
}

void main();
