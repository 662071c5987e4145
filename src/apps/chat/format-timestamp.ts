/**
 * Formats and parses the seed's timestamp form `25 Apr 2021 05:26:30` (always UTC).
 *
 * Why: the same text appears in the log files, in server replies and in what a user
 * types for DLT/EDT/RDM, so it must round-trip exactly. UTC keeps lab nodes in agreement
 * whatever their local time zone.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => String(n).padStart(2, '0');

/** `DD Mon YYYY HH:MM:SS` in UTC for an epoch-millisecond instant. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

const PATTERN = /^(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d{2}):(\d{2})$/;

/** Epoch milliseconds (whole seconds) for a timestamp in the format above, or undefined. */
export function parseTimestamp(text: string): number | undefined {
  const m = PATTERN.exec(text.trim().replace(/\s+/g, ' '));
  if (!m) return undefined;
  const month = MONTHS.findIndex((name) => name.toLowerCase() === m[2]!.toLowerCase());
  const [day, year, hh, mm, ss] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59) return undefined;
  const ms = Date.UTC(year, month, day, hh, mm, ss);
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 Feb and friends
  return ms;
}

/** Truncate an instant to whole seconds, the resolution every timestamp has. */
export function toWholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
