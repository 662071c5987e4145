/**
 * The BlueTrace client/server wire protocol (version 1): one JSON object per
 * line, UTF-8, `\n`-terminated, at most MAX_FRAME_BYTES per line, every object
 * carrying `"v": 1` and a `"type"`. See docs/protocols/bluetrace.md.
 *
 * Why JSON lines: readable in packet captures and lab evidence, trivially framed
 * with the shared LineDecoder, and TCP segment boundaries never matter.
 */
import { parseTime } from './time-format.js';

/** Value of the `v` field in every frame; other values get unsupported_version. */
const PROTOCOL_VERSION = 1;
/** Largest accepted frame (one line, without its newline). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Largest contact log accepted in one upload. */
const MAX_UPLOAD_ENTRIES = 10_000;
/** Longest username or password accepted on the wire. */
const MAX_FIELD_LENGTH = 256;

/** One contact-log entry as uploaded: the fields of the beacon that was received. */
export interface ContactEntry {
  tempId: string;
  start: string;
  expiry: string;
}

/** Requests, client to server; each gets exactly one reply, in order. */
export type ClientMessage =
  | { type: 'login'; username: string; password: string }
  | { type: 'download_tempid' }
  | { type: 'upload_contact_log'; entries: ContactEntry[] }
  | { type: 'logout' };

/** Why a login was refused; the client maps each to its assignment text. */
type LoginFailure = 'unknown_user' | 'wrong_password' | 'now_blocked' | 'blocked';

/** Codes of `error` frames; frame_too_long and too_many_errors also close the connection. */
type ErrorCode =
  | 'bad_json'
  | 'bad_frame'
  | 'unsupported_version'
  | 'unknown_type'
  | 'bad_request'
  | 'frame_too_long'
  | 'not_logged_in'
  | 'already_logged_in'
  | 'too_many_errors'
  | 'server_error';

/** Frames server to client: the hello on connect, then one reply per request. */
export type ServerMessage =
  | { type: 'hello'; server: 'bluetrace' }
  | { type: 'login_ok'; username: string }
  | { type: 'login_failed'; reason: LoginFailure }
  | { type: 'tempid'; tempId: string; start: string; expiry: string }
  | { type: 'upload_ok'; received: number }
  | { type: 'logout_ok' }
  | { type: 'error'; code: ErrorCode; message: string };

/** The request type names, keys of the server's handler table. */
export type ClientMessageType = ClientMessage['type'];

/** Encode one message as a frame: JSON with the version field, plus the newline. */
export function encodeFrame(msg: ClientMessage | ServerMessage): Buffer {
  return Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ...msg }) + '\n', 'utf8');
}

/** Result of validating a frame: the message, or the error code to reply with. */
export type Parsed<T> = { ok: true; msg: T } | { ok: false; code: ErrorCode; message: string };

const TEMPID_RE = /^\d{20}$/;

/** True for a TempID: exactly 20 ASCII decimal digits. */
export function isTempId(s: unknown): s is string {
  return typeof s === 'string' && TEMPID_RE.test(s);
}

function isShortString(s: unknown): s is string {
  return typeof s === 'string' && s.length <= MAX_FIELD_LENGTH;
}

function parseObject(line: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'bad_frame', message: 'frame must be a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  if (obj.v !== PROTOCOL_VERSION) {
    return { ok: false, code: 'unsupported_version', message: `protocol version must be ${PROTOCOL_VERSION}` };
  }
  if (typeof obj.type !== 'string') return { ok: false, code: 'bad_frame', message: 'frame has no type' };
  return { ok: true, msg: obj };
}

function parseEntry(e: unknown): ContactEntry | null {
  if (typeof e !== 'object' || e === null) return null;
  const { tempId, start, expiry } = e as Record<string, unknown>;
  if (!isTempId(tempId) || typeof start !== 'string' || typeof expiry !== 'string') return null;
  if (parseTime(start) === null || parseTime(expiry) === null) return null;
  return { tempId, start, expiry };
}

/** Validate a frame received by the server. */
export function parseClientFrame(line: string): Parsed<ClientMessage> {
  const p = parseObject(line);
  if (!p.ok) return p;
  const o = p.msg;
  const bad = (message: string): Parsed<ClientMessage> => ({ ok: false, code: 'bad_request', message });
  switch (o.type) {
    case 'login':
      if (!isShortString(o.username) || !isShortString(o.password)) return bad('login needs username and password strings');
      return { ok: true, msg: { type: 'login', username: o.username, password: o.password } };
    case 'download_tempid':
    case 'logout':
      return { ok: true, msg: { type: o.type } };
    case 'upload_contact_log': {
      if (!Array.isArray(o.entries)) return bad('upload_contact_log needs an entries array');
      if (o.entries.length > MAX_UPLOAD_ENTRIES) return bad(`at most ${MAX_UPLOAD_ENTRIES} entries per upload`);
      const entries: ContactEntry[] = [];
      for (const raw of o.entries) {
        const e = parseEntry(raw);
        if (!e) return bad('each entry needs a 20-digit tempId and DD/MM/YYYY HH:MM:SS start and expiry');
        entries.push(e);
      }
      return { ok: true, msg: { type: 'upload_contact_log', entries } };
    }
    default:
      return { ok: false, code: 'unknown_type', message: `unknown message type ${JSON.stringify(o.type).slice(0, 60)}` };
  }
}

/** Validate a frame received by the client. */
export function parseServerFrame(line: string): Parsed<ServerMessage> {
  const p = parseObject(line);
  if (!p.ok) return p;
  const o = p.msg;
  const bad: Parsed<ServerMessage> = { ok: false, code: 'bad_frame', message: `malformed ${String(o.type)} frame` };
  switch (o.type) {
    case 'hello':
      return { ok: true, msg: { type: 'hello', server: 'bluetrace' } };
    case 'login_ok':
      return typeof o.username === 'string' ? { ok: true, msg: { type: 'login_ok', username: o.username } } : bad;
    case 'login_failed':
      return o.reason === 'unknown_user' || o.reason === 'wrong_password' || o.reason === 'now_blocked' || o.reason === 'blocked'
        ? { ok: true, msg: { type: 'login_failed', reason: o.reason } }
        : bad;
    case 'tempid': {
      const e = parseEntry(o);
      return e ? { ok: true, msg: { type: 'tempid', ...e } } : bad;
    }
    case 'upload_ok':
      return typeof o.received === 'number' ? { ok: true, msg: { type: 'upload_ok', received: o.received } } : bad;
    case 'logout_ok':
      return { ok: true, msg: { type: 'logout_ok' } };
    case 'error':
      return typeof o.code === 'string' && typeof o.message === 'string'
        ? { ok: true, msg: { type: 'error', code: o.code as ErrorCode, message: o.message } }
        : bad;
    default:
      return { ok: false, code: 'unknown_type', message: `unknown message type ${JSON.stringify(o.type).slice(0, 60)}` };
  }
}
