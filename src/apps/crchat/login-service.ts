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
export const MAX_DATAGRAM_BYTES = 1024;
/** Challenges kept per ID, so a RESPONSE to a retransmitted HELLO's earlier CHALLENGE still counts. */
const MAX_PENDING_PER_ID = 4;

const UDP_IN: ReadonlySet<MessageType> = new Set(['HELLO', 'RESPONSE']);

interface Pending {
  xres: string;
  ck: Buffer;
  expiresAt: number;
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
 */
export class LoginService {
  private readonly pending = new Map<string, Pending[]>();
  private readonly answered = new Map<string, Answered>();
  private readonly random: (n: number) => Buffer;

  constructor(private readonly o: LoginServiceOptions) {
    this.random = o.random ?? randomBytes;
  }

  /** Handle one datagram from `from` (for logs); returns the reply or null to stay silent. */
  handle(datagram: Buffer, from: string): Buffer | null {
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this.o.log(`UDP drop ${from}: oversized datagram (${datagram.length} bytes)`);
      return null;
    }
    let msg: Message;
    try {
      msg = parseMessage(datagram, UDP_IN);
    } catch (err) {
      if (!(err instanceof MessageSyntaxError)) throw err;
      this.o.log(`UDP drop ${from}: ${err.message}`);
      return null;
    }
    return msg.type === 'HELLO' ? this.hello(msg, from) : this.response(msg as MessageOf<'RESPONSE'>, from);
  }

  private hello(msg: MessageOf<'HELLO'>, from: string): Buffer {
    const key = this.o.subscribers.get(msg.id);
    if (key === undefined) {
      this.o.log(`HELLO ${msg.id} from ${from}: unknown ID -> AUTH_FAIL unknown-id`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'unknown-id' });
    }
    const rand = this.random(16);
    const list = (this.pending.get(msg.id) ?? []).filter((p) => p.expiresAt > this.o.clock.now());
    list.push({ xres: hash1(rand, key), ck: hash2(rand, key), expiresAt: this.o.clock.now() + this.o.challengeTtlMs });
    while (list.length > MAX_PENDING_PER_ID) list.shift();
    this.pending.set(msg.id, list);
    this.o.log(`HELLO ${msg.id} from ${from} -> CHALLENGE`);
    return encodeMessage({ type: 'CHALLENGE', rand: rand.toString('hex') });
  }

  private response(msg: MessageOf<'RESPONSE'>, from: string): Buffer {
    const now = this.o.clock.now();
    if (!this.o.subscribers.has(msg.id)) {
      this.o.log(`RESPONSE ${msg.id} from ${from}: unknown ID -> AUTH_FAIL unknown-id`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'unknown-id' });
    }
    const done = this.answered.get(msg.id);
    if (done && done.expiresAt > now && done.res === msg.res) {
      this.o.log(`RESPONSE ${msg.id} from ${from}: repeated -> same AUTH_SUCCESS`);
      return done.datagram;
    }
    const list = (this.pending.get(msg.id) ?? []).filter((p) => p.expiresAt > now);
    const hit = list.find((p) => sameHex(p.xres, msg.res));
    if (!hit) {
      this.pending.set(msg.id, list);
      this.o.log(`RESPONSE ${msg.id} from ${from}: wrong response -> AUTH_FAIL`);
      return encodeMessage({ type: 'AUTH_FAIL', reason: 'bad-response' });
    }
    this.pending.delete(msg.id);
    const cookie = this.random(16).toString('hex');
    this.o.cookies.issue(msg.id, cookie, hit.ck);
    const inner = encodeMessage({ type: 'AUTH_SUCCESS', cookie, port: this.o.tcpPort() });
    const record = new RecordCipher(hit.ck, DIR_UDP_AUTH, DIR_UDP_AUTH).seal(inner);
    const datagram = encodeMessage({ type: 'SEALED', record: record.toString('base64') });
    this.answered.set(msg.id, { res: msg.res, datagram, expiresAt: now + this.o.challengeTtlMs });
    this.o.log(`RESPONSE ${msg.id} from ${from}: ok -> AUTH_SUCCESS (TCP ${this.o.tcpPort()})`);
    return datagram;
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
