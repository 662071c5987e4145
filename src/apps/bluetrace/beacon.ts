import { isTempId } from './protocol.js';
import { TIME_TEXT_LENGTH, parseTime } from './time-format.js';

/** BlueTrace beacon protocol version carried in the last byte. */
export const BEACON_VERSION = 1;
/** 20 (TempID) + 19 (start) + 19 (expiry) + 1 (version). */
export const BEACON_LENGTH = 20 + TIME_TEXT_LENGTH * 2 + 1;

/** A beacon as carried in one UDP datagram from peripheral to central. */
export interface Beacon {
  tempId: string;
  start: string;
  expiry: string;
  version: number;
}

/**
 * Encode a beacon: ASCII TempID, start, expiry, then the version as one ASCII
 * digit ("1"), 59 bytes, no separators.
 *
 * Why ASCII for the version: the whole datagram stays printable, so it can be
 * read in a capture and crafted by hand with `printf ... | nc -u`.
 */
export function encodeBeacon(b: Beacon): Buffer {
  if (!isTempId(b.tempId)) throw new Error('TempID must be 20 decimal digits');
  if (parseTime(b.start) === null || parseTime(b.expiry) === null) throw new Error('times must be DD/MM/YYYY HH:MM:SS');
  if (!Number.isInteger(b.version) || b.version < 0 || b.version > 9) throw new Error('version must be a single digit');
  return Buffer.from(`${b.tempId}${b.start}${b.expiry}${b.version}`, 'latin1');
}

/** A decoded beacon, or why the datagram is not one. */
export type DecodedBeacon = { ok: true; beacon: Beacon } | { ok: false; reason: string };

/** Decode and check the shape of one datagram (not its time validity). */
export function decodeBeacon(buf: Buffer): DecodedBeacon {
  if (buf.length !== BEACON_LENGTH) return { ok: false, reason: `expected ${BEACON_LENGTH} bytes, got ${buf.length}` };
  const text = buf.toString('latin1');
  const tempId = text.slice(0, 20);
  const start = text.slice(20, 39);
  const expiry = text.slice(39, 58);
  const v = text.slice(58);
  if (!isTempId(tempId)) return { ok: false, reason: 'TempID is not 20 decimal digits' };
  if (parseTime(start) === null || parseTime(expiry) === null) return { ok: false, reason: 'bad start or expiry time' };
  if (!/^\d$/.test(v)) return { ok: false, reason: 'bad version byte' };
  return { ok: true, beacon: { tempId, start, expiry, version: Number(v) } };
}

/** A beacon is valid when `now` lies between its start and expiry (inclusive) and its version is known. */
export function isBeaconValidAt(b: Beacon, nowMs: number): boolean {
  const start = parseTime(b.start);
  const expiry = parseTime(b.expiry);
  return b.version === BEACON_VERSION && start !== null && expiry !== null && start <= nowMs && nowMs <= expiry;
}
