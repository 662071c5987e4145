/**
 * Seconds between the NTP epoch (1900-01-01) and the Unix epoch (1970-01-01).
 *
 * Why: the real TAC-Warning wire format carries every timestamp as NTP seconds in a
 * string; phones and server convert at the edge and keep NTP seconds inside.
 */
export const NTP_UNIX_OFFSET = 2_208_988_800;

/** The length of a visit slot, in seconds: scan times are rounded to the nearest 15 minutes. */
const SLOT_SECONDS = 900;

/** NTP seconds for a Unix time in milliseconds (what clocks give). */
export function ntpFromUnixMs(ms: number): number {
  return Math.floor(ms / 1000) + NTP_UNIX_OFFSET;
}

/** Unix seconds for NTP seconds. */
function unixFromNtp(ntp: number): number {
  return ntp - NTP_UNIX_OFFSET;
}

/**
 * Rounds a time in seconds to the nearest slot boundary: `(t + s/2) - ((t + s/2) % s)`.
 *
 * Why this formula: it is the real service's, so a phone and the server always agree on
 * the slot of a scan; NTP_UNIX_OFFSET is a multiple of 900, so rounding NTP or Unix seconds
 * gives the same instant.
 */
export function roundToSlot(t: number, slot: number = SLOT_SECONDS): number {
  const half = Math.floor(slot / 2);
  return t + half - ((t + half) % slot);
}

/**
 * Parses a wire timestamp: NTP seconds as a decimal string (or a number), a whole
 * non-negative integer below 2^53. Returns undefined for anything else.
 *
 * Why strict: "12e3", " 1", "0x10" or a float are not timestamps a phone sends; refusing
 * them keeps the database free of values no client meant.
 */
export function parseNtpTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** An ISO-8601 rendering of NTP seconds, for people reading terminals. */
export function isoFromNtp(ntp: number): string {
  return new Date(unixFromNtp(ntp) * 1000).toISOString().replace('.000Z', 'Z');
}
