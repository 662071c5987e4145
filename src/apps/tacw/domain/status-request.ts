import { TacwError } from './error-codes.js';
import { parseNtpTimestamp, roundToSlot } from './ntp-time.js';
import { TOKEN_HEX } from './visit-token.js';

/** Most visit tokens one status request may carry (14 days of scans at one every 15 minutes is 1,344). */
export const MAX_STATUS_TOKENS = 2000;

/** One STATIC visit token of a status request: the payload as lower-case hex, the slot time in NTP seconds. */
export interface StatusToken {
  payload: string;
  time: number;
}

/**
 * Validates a wstatus body `{"visitTokens": [{"type", "payload", "timestamp"}]}`.
 * DYNAMIC tokens are accepted and skipped (that module is not specified); anything else
 * malformed refuses the whole request with the index of the first bad token.
 *
 * Why strict here (a report drops bad visits instead): a status answer computed from part
 * of the list would tell a phone "not at risk" about visits the server never looked at.
 */
export function parseStatusRequest(body: unknown): StatusToken[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TacwError('ERROR_VISIT_TOKENS_MISSING', 'the body must be an object with visitTokens');
  const list = (body as { visitTokens?: unknown }).visitTokens;
  if (!Array.isArray(list)) throw new TacwError('ERROR_VISIT_TOKENS_MISSING', 'visitTokens must be a list');
  if (list.length > MAX_STATUS_TOKENS) throw new TacwError('ERROR_TOO_MANY_VISIT_TOKENS', `at most ${MAX_STATUS_TOKENS} visit tokens per request, got ${list.length}`);
  const out: StatusToken[] = [];
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as { type?: unknown; payload?: unknown; timestamp?: unknown } | null;
    if (typeof t !== 'object' || t === null) throw new TacwError('ERROR_VISIT_TOKEN_INVALID', `visitTokens[${i}] is not an object`);
    if (t.type === 'DYNAMIC') continue;
    if (t.type !== 'STATIC') throw new TacwError('ERROR_VISIT_TOKEN_INVALID', `visitTokens[${i}].type must be STATIC or DYNAMIC`);
    if (typeof t.payload !== 'string' || !TOKEN_HEX.test(t.payload)) throw new TacwError('ERROR_VISIT_TOKEN_INVALID', `visitTokens[${i}].payload must be 64 hex digits`);
    const time = parseNtpTimestamp(t.timestamp);
    if (time === undefined) throw new TacwError('ERROR_VISIT_TOKEN_INVALID', `visitTokens[${i}].timestamp must be NTP seconds in a string`);
    out.push({ payload: t.payload.toLowerCase(), time: roundToSlot(time) });
  }
  return out;
}
