import type { DecodedMessage, StreamDecoder } from './decoded-message.js';

const UDP_WORDS = /^(HELLO|CHALLENGE|RESPONSE|AUTH_FAIL|SEALED)( |$)/;

/**
 * crchat (seed 002) login datagrams: HELLO, CHALLENGE, RESPONSE and AUTH_FAIL in clear;
 * the only sealed datagram of the login phase is the server's AUTH_SUCCESS, so a SEALED
 * datagram is named so. Requests are retransmitted until answered: resendKey marks them.
 */
export function decodeCrchatDatagram(payload: Buffer): DecodedMessage | undefined {
  const text = payload.toString('latin1');
  const m = UDP_WORDS.exec(text);
  if (!m) return undefined;
  const fields = text.split(' ');
  switch (m[1]) {
    case 'HELLO':
      return { label: `HELLO ${fields[1] ?? ''}`.trim(), resendKey: text };
    case 'RESPONSE':
      return { label: `RESPONSE ${fields[1] ?? ''}`.trim(), resendKey: text };
    case 'CHALLENGE':
      return { label: 'CHALLENGE', resendKey: text };
    case 'SEALED':
      return { label: 'AUTH_SUCCESS (sealed)', resendKey: text };
    default:
      return { label: `AUTH_FAIL ${fields[1] ?? ''}`.trim() };
  }
}

/** True when a client's first TCP bytes are a crchat frame: 4-byte length, then IDENT. */
export function looksLikeCrchatStream(first: Buffer): boolean {
  return first.length >= 10 && first.readUInt32BE(0) <= 16 * 1024 && first.toString('latin1', 4, 10) === 'IDENT ';
}

/**
 * crchat's TCP frames (4-byte big-endian length, then the payload). The client's first
 * frame is IDENT in clear; every later frame is an encrypted record. The protocol fixes the
 * order, so the client's first record is CONNECT and the server's first is CONNECTED;
 * the rest are shown as "encrypted record".
 */
export function crchatStreamDecoder(role: 'client' | 'server'): StreamDecoder {
  let buf = Buffer.alloc(0);
  let sealed = 0;
  return {
    push(chunk) {
      buf = Buffer.concat([buf, chunk]);
      const out: DecodedMessage[] = [];
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) break;
        const payload = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (payload.toString('latin1', 0, 6) === 'IDENT ') out.push({ label: `IDENT ${payload.toString('latin1', 6)}` });
        else {
          sealed++;
          if (sealed === 1) out.push({ label: `${role === 'client' ? 'CONNECT' : 'CONNECTED'} (sealed)` });
          else out.push({ label: 'encrypted record', group: `rec` });
        }
      }
      return out;
    },
  };
}
