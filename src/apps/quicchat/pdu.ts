/**
 * The QUIC chat's protocol data unit, as in the original's pdu.py: a JSON object
 * `{version, mtype, msg, sz}` whose `msg` is itself a JSON text and `sz` its length in
 * UTF-8 bytes. On the stream each PDU is one line (newline-delimited JSON; JSON escapes
 * every newline inside strings, so a PDU never contains a raw one). See
 * docs/protocols/quicchat.md.
 */

/** The protocol versions this implementation speaks, highest first. */
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Message types, with the original's numbers. */
export const MType = {
  VERSIONS: 0x00,
  LOGIN: 0x10,
  LOGIN_ACK: 0x11,
  LOGIN_BROADCAST: 0x12,
  LOGIN_RETRY: 0x13,
  LOGIN_DISCONNECT: 0x14,
  ALIVE: 0x20,
  ONE_TO_ONE: 0x30,
  ONE_TO_MANY: 0x31,
  BROADCAST: 0x32,
  MSG_UNSUCCESSFUL: 0x33,
  LOGOUT: 0x40,
  LOGOUT_ACK: 0x41,
  LOGOUT_BROADCAST: 0x42,
} as const;
export type MType = (typeof MType)[keyof typeof MType];

const NAMES = new Map<number, string>(Object.entries(MType).map(([k, v]) => [v, k]));

/** A message type's name, for logs ("0x7f" for an unknown one). */
export function mtypeName(t: number): string {
  return NAMES.get(t) ?? `0x${t.toString(16).padStart(2, '0')}`;
}

/** One decoded PDU: its header and its body (the parsed `msg`). */
export interface Pdu {
  version: number;
  mtype: MType;
  body: Record<string, unknown>;
}

/** Why a line is not a PDU; the session answers MSG_UNSUCCESSFUL and goes on. */
export class PduError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PduError';
  }
}

/** The PDU as one line, newline included. */
export function encodePdu(mtype: MType, body: Record<string, unknown>, version: number = SUPPORTED_VERSIONS[0]!): Buffer {
  const msg = JSON.stringify(body);
  return Buffer.from(JSON.stringify({ version, mtype, msg, sz: Buffer.byteLength(msg) }) + '\n');
}

/** Parse one line (without its newline) into a PDU, or throw PduError saying what is wrong. */
export function decodePdu(line: string): Pdu {
  let outer: unknown;
  try {
    outer = JSON.parse(line);
  } catch {
    throw new PduError('not JSON');
  }
  if (typeof outer !== 'object' || outer === null || Array.isArray(outer)) throw new PduError('not a JSON object');
  const o = outer as Record<string, unknown>;
  if (!Number.isInteger(o.version) || (o.version as number) < 0) throw new PduError('version is not a non-negative integer');
  if (!Number.isInteger(o.mtype) || !NAMES.has(o.mtype as number)) throw new PduError(`unknown mtype ${JSON.stringify(o.mtype)}`);
  if (typeof o.msg !== 'string') throw new PduError('msg is not a string');
  if (o.sz !== undefined && o.sz !== Buffer.byteLength(o.msg)) throw new PduError(`sz ${JSON.stringify(o.sz)} is not the length of msg`);
  let body: unknown;
  try {
    body = o.msg === '' ? {} : JSON.parse(o.msg);
  } catch {
    throw new PduError('msg is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PduError('msg is not a JSON object');
  return { version: o.version as number, mtype: o.mtype as MType, body: body as Record<string, unknown> };
}
