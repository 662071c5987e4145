/**
 * Program entry: `tacw-venue` (TAC-Wpro): shows a venue's static QR code as its URL, the
 * seed's JSON and the code itself drawn in the terminal; `--png FILE` also writes an
 * image. stdin: rotate (asks to confirm), show, json, png FILE.
 */
import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { parseArgsOrExit } from '../common/parse-args-or-exit.js';
import { parseArgv } from '../common/parse-argv.js';
import { UsageError } from '../common/usage-error.js';
import { systemClock } from '../common/clock.js';
import { isVenueType, VENUE_TYPES } from './domain/erp-config.js';
import { formatQrJson, formatQrUrl, parseQrCode, type StaticQrCode } from './domain/qr-code.js';
import { onStdinLines } from './line-commands.js';

const USAGE = `usage: tacw-venue --type R --category 1 --capacity 60 [--png FILE] [--rotate-every SECONDS] [--no-draw]
       tacw-venue --replica-of <qr url>      (a second terminal showing the main one's code)
  venue types: ${VENUE_TYPES.join(' ')}
  stdin: rotate (then yes), show, json, png FILE`;

interface VenueArgs {
  qr?: StaticQrCode;
  type?: string;
  category?: number;
  capacity?: number;
  png?: string;
  rotateEvery?: number;
  draw: boolean;
}

function parseVenueArgs(argv: readonly string[]): VenueArgs {
  const { values, positionals } = parseArgv(argv, {
    type: { type: 'string' },
    category: { type: 'string' },
    capacity: { type: 'string' },
    png: { type: 'string' },
    'rotate-every': { type: 'string' },
    'replica-of': { type: 'string' },
    'no-draw': { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const num = (v: string | undefined, name: string, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be ${min}..${max}, got "${v}"`);
    return Number(v);
  };
  const draw = !values['no-draw'];
  const rotateEvery = num(values['rotate-every'], 'rotate-every', 1, 86400 * 30);
  if (values['replica-of'] !== undefined) {
    if (values.type || values.category || values.capacity || rotateEvery) throw new UsageError('a replica takes its code from --replica-of only');
    try {
      return { qr: parseQrCode(values['replica-of']), draw, ...(values.png ? { png: values.png } : {}) };
    } catch (e) {
      throw new UsageError(`--replica-of: ${(e as Error).message}`);
    }
  }
  if (!values.type || !isVenueType(values.type)) throw new UsageError(`--type must be one of ${VENUE_TYPES.join(' ')}`);
  return {
    type: values.type,
    category: num(values.category ?? '1', 'category', 0, 5),
    capacity: num(values.capacity ?? '50', 'capacity', 0, 1_000_000),
    draw,
    ...(values.png ? { png: values.png } : {}),
    ...(rotateEvery ? { rotateEvery } : {}),
  };
}

const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

async function main(): Promise<void> {
  process.stdout.on('error', () => undefined);
  const args = parseArgsOrExit('tacw-venue', USAGE, () => parseVenueArgs(process.argv.slice(2)));
  const replica = args.qr !== undefined;
  const fresh = (): StaticQrCode => ({ type: 'STATIC', venueType: args.type!, venueCategory: args.category!, venueCapacity: args.capacity!, uuid: randomUUID(), issuedAt: Math.floor(systemClock.now() / 1000) });
  let qr = args.qr ?? fresh();
  let confirming = false;

  async function show(): Promise<void> {
    const url = formatQrUrl(qr);
    if (args.draw) out(await QRCode.toString(url, { type: 'utf8', errorCorrectionLevel: 'M', margin: 2 }));
    out(`venue code${replica ? ' (replica)' : ''}: ${url}`);
    if (args.png) {
      await QRCode.toFile(args.png, url, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 400 });
      out(`png: ${args.png}`);
    }
  }
  async function rotate(): Promise<void> {
    qr = fresh();
    out('rotated: a new code replaces the old one');
    await show();
  }
  await show();
  if (args.rotateEvery) setInterval(() => void rotate(), args.rotateEvery * 1000);

  onStdinLines(async (line) => {
    const [cmd, arg] = line.split(/\s+/);
    if (!cmd) return;
    if (confirming) {
      confirming = false;
      if (cmd === 'yes') return rotate();
      return out('rotate cancelled');
    }
    if (cmd === 'rotate') {
      if (replica) return out('rotate: this terminal is a replica; rotate on the main terminal, then replicate again');
      confirming = true;
      return out('Replace the current code? Visitors must scan the new one. Type yes to confirm: ');
    }
    if (cmd === 'show') return show();
    if (cmd === 'json') return out(`json: ${formatQrJson(qr)}`);
    if (cmd === 'png') {
      if (!arg) return out('png: give a file name');
      await QRCode.toFile(arg, formatQrUrl(qr), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 400 });
      return out(`png: ${arg}`);
    }
    out(`unknown command "${cmd}" (commands: rotate, show, json, png FILE)`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

void main();
