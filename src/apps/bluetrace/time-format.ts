/**
 * BlueTrace timestamps: `DD/MM/YYYY HH:MM:SS` (exactly 19 characters), in UTC.
 *
 * Why UTC: the server, the peripheral and the central may run in containers or
 * hosts with different TZ settings; a beacon's start/expiry is compared with the
 * central's clock, so every node must read the text the same way.
 */
export const TIME_TEXT_LENGTH = 19;

const TIME_RE = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

const two = (n: number): string => String(n).padStart(2, '0');

/** Format epoch milliseconds as `DD/MM/YYYY HH:MM:SS` (UTC, sub-seconds dropped). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${String(d.getUTCFullYear()).padStart(4, '0')} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}

/** Parse `DD/MM/YYYY HH:MM:SS` (UTC) to epoch milliseconds; null if malformed or not a real date. */
export function parseTime(text: string): number | null {
  const m = TIME_RE.exec(text);
  if (!m) return null;
  const [, dd, mo, yyyy, hh, mi, ss] = m.map(Number) as number[];
  const ms = Date.UTC(yyyy!, mo! - 1, dd!, hh!, mi!, ss!);
  // Reject dates such as 31/02 that Date.UTC would silently roll over.
  return formatTime(ms) === text ? ms : null;
}

/** Round epoch milliseconds down to the whole second, the resolution of the text format. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** True when `now` lies in the closed interval [start, expiry]: the validity rule for TempIDs and beacons. */
export function isWithin(startMs: number, expiryMs: number, nowMs: number): boolean {
  return startMs <= nowMs && nowMs <= expiryMs;
}
