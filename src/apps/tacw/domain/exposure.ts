import type { ErpConfig } from './erp-config.js';
import type { StaticQrCode } from './qr-code.js';

/** One visit of a positive person, as the server keeps it after validation (NTP seconds, rounded). */
export interface ReportedVisit {
  time: number;
  qr: StaticQrCode;
}

/**
 * One exposed interval of one venue, from one report: stored as MAX_SALT token rows.
 *
 * Why threshold and riskLevel travel with it: a status request carries only tokens and
 * times, never the venue type, so the rule of the venue must be in the row it matches.
 */
export interface Exposure {
  uuid: string;
  start: number;
  end: number;
  /** Positive cases this interval counts for (one report = one case). */
  exposures: number;
  threshold: number;
  riskLevel: number;
  /** NTP seconds after which the purge deletes it. */
  expiresAt: number;
}

/**
 * The exposed intervals of one report: each visit widened to [t - startDelta, t + endDelta]
 * by its venue's rule, then intervals of the same venue that overlap or touch merged.
 *
 * Why merge: a positive who scanned the same code at 12:00 and 12:30 is one case, not two;
 * without merging, a visitor at 12:45 would match both and reach threshold 2 alone.
 */
export function exposuresOfReport(visits: readonly ReportedVisit[], config: ErpConfig, retentionSeconds: number): Exposure[] {
  const byVenue = new Map<string, Array<{ start: number; end: number; threshold: number; riskLevel: number }>>();
  for (const v of visits) {
    const rule = config.ruleFor(v.qr.venueType, v.qr.venueCategory);
    const list = byVenue.get(v.qr.uuid) ?? [];
    list.push({ start: v.time - rule.startDelta, end: v.time + rule.endDelta, threshold: rule.threshold, riskLevel: rule.riskLevel });
    byVenue.set(v.qr.uuid, list);
  }
  const out: Exposure[] = [];
  for (const [uuid, list] of byVenue) {
    list.sort((a, b) => a.start - b.start);
    let cur = { ...list[0]! };
    const flush = (): void => {
      out.push({ uuid, start: cur.start, end: cur.end, exposures: 1, threshold: cur.threshold, riskLevel: cur.riskLevel, expiresAt: cur.end + retentionSeconds });
    };
    for (const iv of list.slice(1)) {
      if (iv.start <= cur.end) {
        cur.end = Math.max(cur.end, iv.end);
        cur.threshold = Math.min(cur.threshold, iv.threshold);
        cur.riskLevel = Math.max(cur.riskLevel, iv.riskLevel);
      } else {
        flush();
        cur = { ...iv };
      }
    }
    flush();
  }
  return out;
}

/**
 * What the overlap query returns: for one requested visit token (its index in the request
 * and its time) and one risk level, the positive cases of every stored interval holding it.
 */
export interface TokenHit {
  index: number;
  time: number;
  riskLevel: number;
  exposures: number;
  threshold: number;
}

/** The answer of a status request: riskLevel 0 means not at risk. */
export interface RiskStatus {
  riskLevel: number;
  /** NTP seconds of the most recent visit that reached riskLevel; absent when riskLevel is 0. */
  lastContactDate?: number;
}

/**
 * Scores the hits: a visit token reaches a level when the positive cases overlapping it at
 * that level reach the interval's threshold; the answer is the highest level reached, and
 * the latest visit time that reached it.
 *
 * Why per token: two of my visits matching one positive each must not add up to a
 * threshold of 2; only positives present at the same visit do.
 */
export function scoreHits(hits: readonly TokenHit[]): RiskStatus {
  let level = 0;
  let last = 0;
  for (const h of hits) {
    if (h.exposures < h.threshold) continue;
    if (h.riskLevel > level) {
      level = h.riskLevel;
      last = h.time;
    } else if (h.riskLevel === level && h.time > last) {
      last = h.time;
    }
  }
  return level === 0 ? { riskLevel: 0 } : { riskLevel: level, lastContactDate: last };
}
