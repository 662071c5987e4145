import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import type { CookieJar } from './cookie-jar.js';
import { encodeMessage } from './encode-message.js';
import { hash1 } from './hash1.js';
import { hash2 } from './hash2.js';
import type { Message, MessageOf, MessageType } from './message.js';
import { MessageSyntaxError } from './encode-message.js';
import { parseMessage } from './parse-message.js';
import { DIR_UDP_AUTH, RecordCipher } from './record-cipher.js';

/** Largest UDP datagram the server reads; anything bigger is dropped unread. */
const MAX_DATAGRAM_BYTES = 1024;
/**
 * Challenges kept per ID and source (IP and port), so a RESPONSE to a retransmitted HELLO's
 * earlier CHALLENGE still counts.
 */
const MAX_PENDING_PER_SOURCE = 4;
/** Source ports kept per ID and IP; a flood from one address only evicts its own oldest port. */
const MAX_PORTS_PER_IP = 16;
/** Source IPs kept per ID; beyond that the one with the oldest HELLO goes. */
const MAX_IPS_PER_ID = 256;
/** Log lines about one source IP per second; the rest are counted in one summary line. */
const LOG_LINES_PER_IP_PER_SECOND = 20;

const UDP_IN: ReadonlySet<MessageType> = new Set(['HELLO', 'RESPONSE']);

interface Pending {
  xres: string;
  ck: Buffer;
  expiresAt: number;
}

/** Outstanding challenges of one ID: by source IP, then by source port (Maps keep insertion order). */
type PendingById = Map<string, Map<string, Pending[]>>;

/** Split `ip:port` (IPv6 addresses contain colons, the port is after the last one). */
function splitSource(from: string): { ip: string; port: string } {
  const i = from.lastIndexOf(':');
  return i < 0 ? { ip: from, port: '' } : { ip: from.slice(0, i), port: from.slice(i + 1) };
}

/** Re-insert `key` so the Map's first entry is the least recently used. */
function touch<V>(m: Map<string, V>, key: string, value: V): void {
  m.delete(key);
  m.set(key, value);
}

interface Answered {
  res: string;
  datagram: Buffer;
  expiresAt: number;
}

/** What the UDP side needs from the rest of the server. */
export interface LoginServiceOptions {
  subscribers: ReadonlyMap<string, string>;
  cookies: CookieJar;
  clock: Clock;
  /** The TCP port announced in AUTH_SUCCESS. */
  tcpPort: () => number;
  challengeTtlMs: number;
  log: (line: string) => void;
  random?: (n: number) => Buffer;
}

/**
 * The UDP login phase as a pure function of datagrams: HELLO -> CHALLENGE or AUTH_FAIL,
 * RESPONSE -> SEALED(AUTH_SUCCESS) or AUTH_FAIL. No socket here.
 *
 * Why: UDP can drop or duplicate. A retransmitted HELLO gets a fresh CHALLENGE (the seed
 * wants a new rand each time) while the earlier ones stay valid for a short while; a
 * retransmitted RESPONSE gets the very same AUTH_SUCCESS datagram again (same cookie, same
 * bytes, so no nonce is reused with different plaintext).
 *
 * Why challenges are kept per source address: with one short list per ID, a flood of
 * HELLOs naming a victim's ID pushed the victim's real challenge out before its RESPONSE
 * arrived ("wrong key"). Now a HELLO only ever evicts challenges of its own IP and port
 * (or, past MAX_PORTS_PER_IP ports, that IP's oldest port); a RESPONSE is checked against
 * the challenges sent to its own IP. Log lines are limited per source IP and second, so a
 * flood cannot stall the server on a slow stdout either.
 */
export class LoginService {
  private readonly pending = new Map<string, PendingById>();
  private logWindow = { second: -1, lines: new Map<string, number>() };
  private readonly answered = new Map<string, Answered>();
  private readonly random: (n: number) => Buffer;

  constructor(private readonly o: LoginServiceOptions) {
    this.random = o.random ?? randomBytes;
  }

  /** Handle one datagram from `from` (for logs); returns the reply or null to stay silent. */
  handle(datagram: Buffer, from: string): Buffer | null {
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this.note(from, `UDP drop ${from}: oversized datagram (${datagram.length} bytes)`);
      return null;
    }
    let msg: Message;
    try {
      msg = parseMessage(datagram, UDP_IN);
    } catch (err) {
      if (!(err instanceof MessageSyntaxError)) throw err;
      this.note(from, `UDP drop ${from}: ${err.message}`);
      return null;
    }
    return msg.type === 'HELLO' ? this.hello(msg, from) : this.response(msg as MessageOf<'RESPONSE'>, from);
  }

  private hello(msg: MessageOf<'HELLO'>, from: string): Buffer {
    const key = this.o.subscribers.get(msg.id);
    if (key === undefined) {
      this.note(from, `HELLO ${msg.id} from ${from}: unknown ID -> AUTH_FAIL unknown-id`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'unknown-id' });
    }
    const now = this.o.clock.now();
    const rand = this.random(16);
    const { ip, port } = splitSource(from);
    let byIp = this.pending.get(msg.id);
    if (!byIp) this.pending.set(msg.id, (byIp = new Map()));
    let byPort = byIp.get(ip);
    if (!byPort) byPort = new Map();
    touch(byIp, ip, byPort);
    for (const [p, l] of byPort) if (!l.some((c) => c.expiresAt > now)) byPort.delete(p);
    const list = (byPort.get(port) ?? []).filter((p) => p.expiresAt > now);
    list.push({ xres: hash1(rand, key), ck: hash2(rand, key), expiresAt: now + this.o.challengeTtlMs });
    while (list.length > MAX_PENDING_PER_SOURCE) list.shift();
    touch(byPort, port, list);
    while (byPort.size > MAX_PORTS_PER_IP) byPort.delete(byPort.keys().next().value!);
    if (byIp.size > MAX_IPS_PER_ID) this.prune(byIp, now);
    this.note(from, `HELLO ${msg.id} from ${from} -> CHALLENGE`);
    return encodeMessage({ type: 'CHALLENGE', rand: rand.toString('hex') });
  }

  /** Drop expired challenges of an ID; if still too many IPs, the least recently heard goes. */
  private prune(byIp: PendingById, now: number): void {
    for (const [ip, byPort] of byIp) {
      for (const [port, list] of byPort) if (!list.some((p) => p.expiresAt > now)) byPort.delete(port);
      if (byPort.size === 0) byIp.delete(ip);
    }
    while (byIp.size > MAX_IPS_PER_ID) byIp.delete(byIp.keys().next().value!);
  }

  private response(msg: MessageOf<'RESPONSE'>, from: string): Buffer {
    const now = this.o.clock.now();
    if (!this.o.subscribers.has(msg.id)) {
      this.note(from, `RESPONSE ${msg.id} from ${from}: unknown ID -> AUTH_FAIL unknown-id`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'unknown-id' });
    }
    const done = this.answered.get(msg.id);
    if (done && done.expiresAt > now && done.res === msg.res) {
      this.note(from, `RESPONSE ${msg.id} from ${from}: repeated -> same AUTH_SUCCESS`);
      return done.datagram;
    }
    const { ip, port } = splitSource(from);
    const byIp = this.pending.get(msg.id);
    const byPort = byIp?.get(ip);
    // Its own port first, then the other ports of its IP (a client whose port changed).
    let hit: Pending | undefined;
    let hitPort = port;
    const own = byPort?.get(port);
    hit = own?.find((p) => p.expiresAt > now && sameHex(p.xres, msg.res));
    if (!hit && byPort) {
      for (const [p, list] of byPort) {
        hit = list.find((c) => c.expiresAt > now && sameHex(c.xres, msg.res));
        if (hit) {
          hitPort = p;
          break;
        }
      }
    }
    if (!hit) {
      this.note(from, `RESPONSE ${msg.id} from ${from}: wrong response -> AUTH_FAIL`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'bad-response' });
    }
    byPort!.delete(hitPort);
    if (byPort!.size === 0) byIp!.delete(ip);
    if (byIp!.size === 0) this.pending.delete(msg.id);
    const cookie = this.random(16).toString('hex');
    this.o.cookies.issue(msg.id, cookie, hit.ck);
    const inner = encodeMessage({ type: 'AUTH_SUCCESS', cookie, port: this.o.tcpPort() });
    const record = new RecordCipher(hit.ck, DIR_UDP_AUTH, DIR_UDP_AUTH).seal(inner);
    const datagram = encodeMessage({ type: 'SEALED', record: record.toString('base64') });
    this.answered.set(msg.id, { res: msg.res, datagram, expiresAt: now + this.o.challengeTtlMs });
    this.o.log(`RESPONSE ${msg.id} from ${from}: ok -> AUTH_SUCCESS (TCP ${this.o.tcpPort()})`);
    return datagram;
  }

  /**
   * Log one line about a datagram from `from`, at most LOG_LINES_PER_IP_PER_SECOND per
   * source IP and clock second; the first line of the next second says how many were left out.
   */
  private note(from: string, line: string): void {
    const second = Math.floor(this.o.clock.now() / 1000);
    const w = this.logWindow;
    if (second !== w.second) {
      for (const [ip, n] of w.lines) {
        if (n > LOG_LINES_PER_IP_PER_SECOND) this.o.log(`UDP ${ip}: ${n - LOG_LINES_PER_IP_PER_SECOND} more datagram(s) not logged`);
      }
      this.logWindow = { second, lines: new Map() };
    }
    const { ip } = splitSource(from);
    const n = (this.logWindow.lines.get(ip) ?? 0) + 1;
    this.logWindow.lines.set(ip, n);
    if (n <= LOG_LINES_PER_IP_PER_SECOND) this.o.log(line);
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
