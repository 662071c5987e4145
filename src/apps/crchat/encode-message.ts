import { CLIENT_ID_RE, MAX_TEXT_BYTES, type Message, type MessageType } from './message.js';

/** The kind of one field, which fixes its syntax on the wire. */
export type FieldKind = 'id' | 'hex32' | 'hex64' | 'session' | 'port' | 'count' | 'word' | 'b64' | 'text';

/**
 * Field order and syntax of every message: `TYPE` then the fields, each separated by one
 * space. A `text` field is always last and runs to the end of the payload (any UTF-8,
 * spaces, commas and quotes included, never escaped).
 *
 * Why a table: the encoder and the parser are both driven by it, so they cannot drift apart.
 */
export const FIELDS: { [T in MessageType]: ReadonlyArray<readonly [string, FieldKind]> } = {
  HELLO: [['id', 'id']],
  CHALLENGE: [['rand', 'hex32']],
  RESPONSE: [
    ['id', 'id'],
    ['res', 'hex64'],
  ],
  AUTH_FAIL: [['reason', 'word']],
  SEALED: [['record', 'b64']],
  AUTH_SUCCESS: [
    ['cookie', 'hex32'],
    ['port', 'port'],
  ],
  IDENT: [['id', 'id']],
  CONNECT: [['cookie', 'hex32']],
  CONNECTED: [],
  CHAT_REQUEST: [['peer', 'id']],
  CHAT_STARTED: [
    ['session', 'session'],
    ['peer', 'id'],
  ],
  UNREACHABLE: [['peer', 'id']],
  END_REQUEST: [['session', 'session']],
  END_NOTIF: [['session', 'session']],
  CHAT: [
    ['session', 'session'],
    ['text', 'text'],
  ],
  HISTORY_REQ: [['peer', 'id']],
  HISTORY_RESP: [
    ['session', 'session'],
    ['from', 'id'],
    ['text', 'text'],
  ],
  HISTORY_END: [
    ['peer', 'id'],
    ['count', 'count'],
  ],
  DISCONNECT: [['reason', 'word']],
  ERROR: [['reason', 'word']],
};

/** Thrown when a value cannot be written or a payload cannot be read as a message. */
export class MessageSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageSyntaxError';
  }
}

const CHECKS: { [K in FieldKind]: (v: string) => boolean } = {
  id: (v) => CLIENT_ID_RE.test(v),
  hex32: (v) => /^[0-9a-f]{32}$/.test(v),
  hex64: (v) => /^[0-9a-f]{64}$/.test(v),
  session: (v) => /^[1-9][0-9]{0,14}$/.test(v),
  port: (v) => /^[1-9][0-9]{0,4}$/.test(v) && Number(v) <= 65535,
  count: (v) => /^(0|[1-9][0-9]{0,14})$/.test(v),
  word: (v) => /^[a-z][a-z0-9-]{0,39}$/.test(v),
  b64: (v) => /^[A-Za-z0-9+/]{1,2000}={0,2}$/.test(v),
  text: (v) => v.length > 0 && Buffer.byteLength(v, 'utf8') <= MAX_TEXT_BYTES,
};

/** True when the string is valid for the field kind (the parser uses the same checks). */
export function validField(kind: FieldKind, value: string): boolean {
  return CHECKS[kind](value);
}

/**
 * Write a message as its UTF-8 payload. Refuses values the parser would refuse,
 * so nothing we send can be misread at the other end.
 */
export function encodeMessage(msg: Message): Buffer {
  const parts: string[] = [msg.type];
  const rec = msg as unknown as Record<string, unknown>;
  for (const [name, kind] of FIELDS[msg.type]) {
    const value = String(rec[name]);
    if (!CHECKS[kind](value)) throw new MessageSyntaxError(`${msg.type}: bad ${name}`);
    parts.push(value);
  }
  return Buffer.from(parts.join(' '), 'utf8');
}
