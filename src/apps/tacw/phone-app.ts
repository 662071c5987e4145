import { randomBytes } from 'node:crypto';
import { isoFromNtp, ntpFromUnixMs, roundToSlot } from './domain/ntp-time.js';
import { parseQrCode, QrCodeError } from './domain/qr-code.js';
import { MAX_SALT, randomSalt, visitToken } from './domain/visit-token.js';
import type { EncryptedFile } from './encrypted-file.js';
import { formatOffset, type OffsetClock, parseOffset } from './offset-clock.js';

/** One scan in the phone's local list. */
export interface LocalVisit {
  uuid: string;
  venueType: string;
  venueCategory: number;
  venueCapacity: number;
  /** Chosen once per scan in 1..MAX_SALT; the status request sends sha256(salt + uuid). */
  salt: number;
  /** NTP seconds, rounded to the 15-minute slot. */
  time: number;
}

export interface PhoneOptions {
  serverUrl: string;
  robertUrl: string;
  retentionDays: number;
  clock: OffsetClock;
  list: EncryptedFile<LocalVisit[]>;
  fetch?: typeof fetch;
}

const API = '/api/tac-warning';

/**
 * The visitor app (TAC-W) behind a line interface: scan, visits, status, report, replay,
 * clock. Each command returns the lines to print.
 *
 * Why lines in, lines out: the lab drives it over stdin and expects on stdout, and a test
 * drives the same object without a process. The UI shows slot times and venue types,
 * never a venue's uuid (the seed's PU3).
 */
export class PhoneApp {
  private lastReport?: { url: string; authorization: string; body: string };
  private readonly fetch: typeof fetch;

  constructor(private readonly o: PhoneOptions) {
    this.fetch = o.fetch ?? fetch;
  }

  private now(): number {
    return ntpFromUnixMs(this.o.clock.now());
  }

  /** The list without visits older than the retention, saved back when something was dropped. */
  private visits(): LocalVisit[] {
    const all = this.o.list.read([]);
    const oldest = this.now() - this.o.retentionDays * 86400;
    const kept = all.filter((v) => v.time >= oldest);
    if (kept.length !== all.length) this.o.list.write(kept);
    return kept;
  }

  async handle(line: string): Promise<string[]> {
    const [cmd = '', ...rest] = line.trim().split(/\s+/);
    const arg = line.trim().slice(cmd.length).trim();
    switch (cmd) {
      case '':
        return [];
      case 'scan':
        return this.scan(arg);
      case 'visits':
        return this.listVisits();
      case 'status':
        return this.status();
      case 'report':
        return this.report(rest[0], rest[1]);
      case 'replay':
        return this.replay();
      case 'clock':
        return this.clock(rest[0]);
      case 'help':
        return ['commands: scan <qr url or json>, visits, status, report [issuer url] [code], replay, clock [+3h|-10m|0]'];
      default:
        return [`unknown command "${cmd}" (try help)`];
    }
  }

  private scan(text: string): string[] {
    if (!text) return ['scan: give the code (its URL or JSON)'];
    let qr;
    try {
      qr = parseQrCode(text);
    } catch (e) {
      if (e instanceof QrCodeError) return [`scan refused: ${e.message}`];
      throw e;
    }
    const time = roundToSlot(this.now());
    const list = this.visits();
    if (list.some((v) => v.uuid === qr.uuid && v.time === time)) return [`scan: already recorded for the slot ${isoFromNtp(time)}`];
    list.push({ uuid: qr.uuid, venueType: qr.venueType, venueCategory: qr.venueCategory, venueCapacity: qr.venueCapacity, salt: randomSalt(MAX_SALT), time });
    this.o.list.write(list);
    return [`scanned: venue type ${qr.venueType} category ${qr.venueCategory}, slot ${isoFromNtp(time)} (${list.length} visits kept)`];
  }

  private listVisits(): string[] {
    const list = this.visits();
    return [`visits: ${list.length}`, ...list.map((v, i) => `  ${i + 1}. ${isoFromNtp(v.time)} type ${v.venueType}`)];
  }

  private async postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; code: string | null; json: unknown }> {
    const res = await this.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, code: res.headers.get('x-tacw-error'), json };
  }

  private async status(): Promise<string[]> {
    const list = this.visits();
    const visitTokens = list.map((v) => ({ type: 'STATIC', payload: visitToken(v.salt, v.uuid), timestamp: String(v.time) }));
    let r;
    try {
      r = await this.postJson(`${this.o.serverUrl}${API}/v2/wstatus`, JSON.stringify({ visitTokens }));
    } catch (e) {
      return [`status failed: ${(e as Error).message}`];
    }
    if (r.status !== 200) return [`status failed: ${r.status} ${r.code ?? ''}`.trim()];
    const { riskLevel, lastContactDate } = r.json as { riskLevel: number; lastContactDate?: string };
    if (riskLevel > 0) return [`status: AT RISK (riskLevel ${riskLevel}, last contact ${isoFromNtp(Number(lastContactDate))}; ${list.length} visits checked)`];
    return [`status: not at risk (riskLevel 0; ${list.length} visits checked)`];
  }

  private async report(issuer: string | undefined, code: string | undefined): Promise<string[]> {
    const list = this.visits();
    let jwt: string;
    try {
      const r = await this.postJson(`${issuer ?? this.o.robertUrl}/api/v6/report`, JSON.stringify({ token: code ?? randomBytes(6).toString('hex') }));
      const t = (r.json as { reportValidationToken?: unknown } | undefined)?.reportValidationToken;
      if (r.status !== 200 || typeof t !== 'string') return [`report failed: the issuer answered ${r.status}`];
      jwt = t;
    } catch (e) {
      return [`report failed: cannot reach the issuer: ${(e as Error).message}`];
    }
    const visits = list.map((v) => ({ timestamp: String(v.time), qrCode: { type: 'STATIC', venueType: v.venueType, venueCategory: v.venueCategory, venueCapacity: v.venueCapacity, uuid: v.uuid } }));
    this.lastReport = { url: `${this.o.serverUrl}${API}/v2/wreport`, authorization: `Bearer ${jwt}`, body: JSON.stringify({ visits }) };
    return this.sendReport(`${list.length} visits sent`);
  }

  private async sendReport(what: string): Promise<string[]> {
    const { url, authorization, body } = this.lastReport!;
    try {
      const r = await this.postJson(url, body, { authorization });
      if (r.status === 200) return [`report: ${(r.json as { message?: string }).message ?? 'ok'} (${what})`];
      return [`report refused: ${r.status} ${r.code ?? ''}`.trim()];
    } catch (e) {
      return [`report failed: ${(e as Error).message}`];
    }
  }

  private replay(): Promise<string[]> | string[] {
    if (!this.lastReport) return ['replay: no report sent yet'];
    return this.sendReport('the same JWT and visits again');
  }

  private clock(arg: string | undefined): string[] {
    if (arg !== undefined) {
      const ms = parseOffset(arg);
      if (ms === undefined) return [`clock: "${arg}" is not a duration such as +3h, -10m, 15d or 0`];
      this.o.clock.offsetMs = ms;
    }
    return [`clock: ${new Date(this.o.clock.now()).toISOString()} (offset ${formatOffset(this.o.clock.offsetMs)})`];
  }
}

