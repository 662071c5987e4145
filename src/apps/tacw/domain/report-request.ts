import { isVenueType } from './erp-config.js';
import { TacwError } from './error-codes.js';
import type { ReportedVisit } from './exposure.js';
import { parseNtpTimestamp, roundToSlot } from './ntp-time.js';
import { UUID_RE } from './qr-code.js';

/** Most visits one report may carry; the rest are dropped (the real service's max_visits). */
export const MAX_VISITS = 250;

/** How far ahead of the server's clock a visit may be dated before it counts as malformed. */
const MAX_FUTURE_SECONDS = 86_400;

/** The visits of a report that will be stored, and how many were dropped and why. */
export interface ParsedReport {
  visits: ReportedVisit[];
  received: number;
  truncated: number;
  dropped: number;
}

function intIn(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

/** One visit, or undefined when any part of it is malformed. */
function parseVisit(v: unknown, now: number, oldest: number): ReportedVisit | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { timestamp, qrCode } = v as { timestamp?: unknown; qrCode?: unknown };
  const t = parseNtpTimestamp(timestamp);
  if (t === undefined || t > now + MAX_FUTURE_SECONDS || t < oldest) return undefined;
  if (typeof qrCode !== 'object' || qrCode === null) return undefined;
  const q = qrCode as Record<string, unknown>;
  if (q.type !== 'STATIC') return undefined; // DYNAMIC is another module, not specified
  if (typeof q.venueType !== 'string' || !isVenueType(q.venueType)) return undefined;
  const venueCategory = q.venueCategory === undefined ? 0 : intIn(q.venueCategory, 0, 5);
  const venueCapacity = intIn(q.venueCapacity, 0, 1_000_000);
  if (venueCategory === undefined || venueCapacity === undefined) return undefined;
  if (typeof q.uuid !== 'string' || !UUID_RE.test(q.uuid)) return undefined;
  return { time: roundToSlot(t), qr: { type: 'STATIC', venueType: q.venueType, venueCategory, venueCapacity, uuid: q.uuid.toLowerCase() } };
}

/**
 * Validates a wreport body `{"visits": [{"timestamp", "qrCode": {...}}]}` at server time
 * `now` (NTP seconds): more than MAX_VISITS are truncated, malformed single visits (bad
 * time, unknown venue type, DYNAMIC, older than the retention) are dropped, duplicates
 * (same venue, same slot) kept once.
 *
 * Why refuse a list whose every visit is malformed (ERROR_NO_VALID_VISIT) while an empty
 * list is accepted: a positive who went nowhere reports nothing, rightly; a client whose
 * every visit is unreadable has a bug it should hear about, and keeps its JWT for a retry.
 */
export function parseReportRequest(body: unknown, now: number, retentionSeconds: number): ParsedReport {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TacwError('ERROR_VISITS_MISSING', 'the body must be an object with visits');
  const list = (body as { visits?: unknown }).visits;
  if (!Array.isArray(list)) throw new TacwError('ERROR_VISITS_MISSING', 'visits must be a list');
  const kept = list.slice(0, MAX_VISITS);
  const seen = new Set<string>();
  const visits: ReportedVisit[] = [];
  let dropped = 0;
  for (const raw of kept) {
    const v = parseVisit(raw, now, now - retentionSeconds);
    if (!v) {
      dropped++;
      continue;
    }
    const key = `${v.qr.uuid}@${v.time}`;
    if (seen.has(key)) continue;
    seen.add(key);
    visits.push(v);
  }
  if (kept.length > 0 && visits.length === 0) throw new TacwError('ERROR_NO_VALID_VISIT', `none of the ${kept.length} visits is well-formed`);
  return { visits, received: list.length, truncated: list.length - kept.length, dropped };
}
