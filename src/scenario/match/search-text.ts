import { re2Of, type Pattern } from '../../topology/pattern.js';
import { sharedMatchPool, type Found, type MatchPool } from './match-pool.js';

/** Text up to this long is searched on the main thread when RE2 runs the pattern (linear: well under a millisecond per KiB). */
const INLINE_RE2 = 16 * 1024;

/**
 * Search text for a pattern without ever blocking the event loop for long: RE2 patterns
 * on short text inline, everything else in the match pool with a deadline of ms.
 */
export function searchText(pattern: Pattern, text: string, ms: number, signal?: AbortSignal, pool: MatchPool = sharedMatchPool()): Promise<Found | null> {
  if (pattern.engine === 're2' && text.length <= INLINE_RE2) {
    const re = re2Of(pattern.source, pattern.flags);
    if (re) {
      const m = re.exec(text) as (RegExpExecArray & { groups?: Record<string, string | null> }) | null;
      if (!m) return Promise.resolve(null);
      const groups: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined && v !== null) groups[k] = v as string;
      return Promise.resolve({ index: m.index, match: m[0], groups });
    }
  }
  return pool.exec(pattern, text, ms, signal);
}
