import type { TimerClock } from '../common/clock.js';
import type { DatagramPort } from './datagram-port.js';
import { encodeMessage, MessageSyntaxError } from './encode-message.js';
import { hash1 } from './hash1.js';
import { hash2 } from './hash2.js';
import type { Message, MessageType } from './message.js';
import { parseMessage } from './parse-message.js';
import { DIR_UDP_AUTH, RecordCipher, RecordError } from './record-cipher.js';

/** Outcome of the UDP phase. */
export type LoginResult =
  | { ok: true; ck: Buffer; cookie: string; port: number }
  | { ok: false; reason: 'unknown-id' | 'bad-response' | 'no-answer' | string };

/** Retransmission policy. */
export interface LoginTiming {
  retryMs: number;
  attempts: number;
}

const CLIENT_UDP_IN: ReadonlySet<MessageType> = new Set(['CHALLENGE', 'AUTH_FAIL', 'SEALED']);
const SEALED_IN: ReadonlySet<MessageType> = new Set(['AUTH_SUCCESS']);

/**
 * The client's UDP phase: HELLO until a CHALLENGE, then RESPONSE(id, hash1) until the sealed
 * AUTH_SUCCESS (opened with CK = hash2) or AUTH_FAIL.
 *
 * Why retransmit: UDP may drop either datagram; each step is resent every retryMs, up to
 * `attempts` times. Stray or late datagrams (a second CHALLENGE, garbage) are ignored.
 */
export function loginOverUdp(port: DatagramPort, id: string, key: string, clock: TimerClock, timing: LoginTiming): Promise<LoginResult> {
  return new Promise((resolve) => {
    let step: 'challenge' | 'auth' | 'done' = 'challenge';
    let outgoing = encodeMessage({ type: 'HELLO', id });
    let sent = 0;
    let timer: unknown = null;
    let ck: Buffer | null = null;

    const finish = (r: LoginResult): void => {
      if (step === 'done') return;
      step = 'done';
      if (timer !== null) clock.clearTimeout(timer);
      port.close();
      resolve(r);
    };
    const transmit = (): void => {
      if (step === 'done') return;
      if (sent >= timing.attempts) return finish({ ok: false, reason: 'no-answer' });
      sent++;
      port.send(outgoing);
      timer = clock.setTimeout(transmit, timing.retryMs);
    };
    const restart = (datagram: Buffer): void => {
      if (timer !== null) clock.clearTimeout(timer);
      outgoing = datagram;
      sent = 0;
      transmit();
    };

    port.onMessage((datagram) => {
      let msg: Message;
      try {
        msg = parseMessage(datagram, CLIENT_UDP_IN);
      } catch (err) {
        if (err instanceof MessageSyntaxError) return;
        throw err;
      }
      if (msg.type === 'AUTH_FAIL') return finish({ ok: false, reason: msg.reason });
      if (msg.type === 'CHALLENGE' && step === 'challenge') {
        const rand = Buffer.from(msg.rand, 'hex');
        ck = hash2(rand, key);
        step = 'auth';
        return restart(encodeMessage({ type: 'RESPONSE', id, res: hash1(rand, key) }));
      }
      if (msg.type === 'SEALED' && step === 'auth' && ck) {
        try {
          const inner = parseMessage(new RecordCipher(ck, DIR_UDP_AUTH, DIR_UDP_AUTH).open(Buffer.from(msg.record, 'base64')), SEALED_IN);
          if (inner.type === 'AUTH_SUCCESS') finish({ ok: true, ck, cookie: inner.cookie, port: inner.port });
        } catch (err) {
          if (err instanceof RecordError || err instanceof MessageSyntaxError) return; // not for this CK: ignore
          throw err;
        }
      }
    });
    transmit();
  });
}
