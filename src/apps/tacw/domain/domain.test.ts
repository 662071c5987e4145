import { describe, expect, it } from 'vitest';
import { ErpConfig, ErpConfigError } from './erp-config.js';
import { TacwError } from './error-codes.js';
import { exposuresOfReport, scoreHits } from './exposure.js';
import { NTP_UNIX_OFFSET, ntpFromUnixMs, parseNtpTimestamp, roundToSlot } from './ntp-time.js';
import { formatQrJson, formatQrUrl, parseQrCode } from './qr-code.js';
import { MAX_VISITS, parseReportRequest } from './report-request.js';
import { MAX_STATUS_TOKENS, parseStatusRequest } from './status-request.js';
import { visitToken } from './visit-token.js';

const UUID = 'd6d7f0a2-5c3e-4c7b-9a41-2b8e6f0c9d13';

describe('NTP time and rounding', () => {
  it('converts Unix milliseconds to NTP seconds', () => {
    expect(ntpFromUnixMs(0)).toBe(2_208_988_800);
    expect(ntpFromUnixMs(1_700_000_000_999)).toBe(1_700_000_000 + NTP_UNIX_OFFSET);
  });
  it('rounds to the nearest 900 s with (t+450) - ((t+450) % 900)', () => {
    expect(roundToSlot(1_700_000_000)).toBe(1_700_000_100);
    expect(roundToSlot(900)).toBe(900);
    expect(roundToSlot(449)).toBe(0);
    expect(roundToSlot(450)).toBe(900);
    expect(roundToSlot(1349)).toBe(900);
    expect(roundToSlot(1350)).toBe(1800);
  });
  it('rounds NTP and Unix seconds to the same instant', () => {
    const u = 1_700_000_000;
    expect(roundToSlot(u + NTP_UNIX_OFFSET) - NTP_UNIX_OFFSET).toBe(roundToSlot(u));
  });
  it('reads timestamps only as whole decimal strings or integers', () => {
    expect(parseNtpTimestamp('3908988800')).toBe(3_908_988_800);
    expect(parseNtpTimestamp(12)).toBe(12);
    for (const bad of ['12e3', ' 1', '0x10', '1.5', '', '-1', 1.5, -1, null, {}, '99999999999999999']) expect(parseNtpTimestamp(bad)).toBeUndefined();
  });
});

describe('visit tokens', () => {
  it('is hex sha256(String(salt) + uuid): the known vector for salt 971', () => {
    expect(visitToken(971, UUID)).toBe('e2b5da27a804c58215277aeabefd7516973176621517e821811818c69a7bd05d');
    expect(visitToken(1, UUID)).toBe('6e251e6e61f071e82d71dfa9ba9f9b044765e4973fd90cfce45a6cee851c4db9');
  });
});

describe('QR codes', () => {
  const qr = { type: 'STATIC' as const, venueType: 'R', venueCategory: 1, venueCapacity: 60, uuid: UUID };
  it('reads back the URL form, with and without the issue time', () => {
    expect(formatQrUrl(qr)).toBe(`https://tac.gouv.fr/0/${UUID}/R/1/60`);
    expect(parseQrCode(formatQrUrl(qr))).toEqual(qr);
    expect(parseQrCode(formatQrUrl({ ...qr, issuedAt: 1_700_000_000 }))).toEqual({ ...qr, issuedAt: 1_700_000_000 });
  });
  it("reads back the seed's JSON form", () => {
    expect(JSON.parse(formatQrJson(qr))).toEqual({ type: 'STATIC', venueCategory: 1, venueType: 'R', capacity: 60, uuid: UUID });
    expect(parseQrCode(formatQrJson(qr))).toEqual(qr);
  });
  it('refuses other texts with a reason', () => {
    expect(() => parseQrCode('https://example.org/x')).toThrow(/not a venue code/);
    expect(() => parseQrCode(`https://tac.gouv.fr/0/${UUID}/ZZ/1/60`)).toThrow(/unknown venue type "ZZ"/);
    expect(() => parseQrCode(`https://tac.gouv.fr/0/not-a-uuid/R/1/60`)).toThrow(/uuid/);
    expect(() => parseQrCode(`https://tac.gouv.fr/0/${UUID}/R/9/60`)).toThrow(/category/);
    expect(() => parseQrCode('{"type":"DYNAMIC"}')).toThrow(/STATIC/);
    expect(() => parseQrCode('{nope')).toThrow(/JSON/);
  });
});

describe('ERP config', () => {
  it('looks up (type, category), then (type, any), then DEFAULT', () => {
    const c = ErpConfig.parse(
      JSON.stringify([
        { categorie: 1, type: 'R', Timestamp1: 600, Timestamp2: 3600, Seuil: 1, riskLevel: 3 },
        { categorie: 0, type: 'R', Timestamp1: 900, Timestamp2: 1800, Seuil: 3 },
        { categorie: 0, type: 'DEFAULT', jauge: 0, Timestamp1: 60, Timestamp2: 60, Seuil: 5 },
      ]),
    );
    expect(c.ruleFor('R', 1)).toMatchObject({ startDelta: 600, endDelta: 3600, threshold: 1, riskLevel: 3 });
    expect(c.ruleFor('R', 2)).toMatchObject({ startDelta: 900, endDelta: 1800, threshold: 3, riskLevel: 4 });
    expect(c.ruleFor('N', 1)).toMatchObject({ startDelta: 60, endDelta: 60, threshold: 5 });
  });
  it('defaults to 900 s / 7200 s / threshold 2 without a file', () => {
    expect(ErpConfig.builtIn().ruleFor('R', 1)).toMatchObject({ startDelta: 900, endDelta: 7200, threshold: 2 });
  });
  it('names the bad key', () => {
    expect(() => ErpConfig.parse('[{"categorie":1,"type":"ZZ","Timestamp1":1,"Timestamp2":1,"Seuil":1}]', 'x.json')).toThrow(/^x\.json: 0\.type: /);
    expect(() => ErpConfig.parse('[{"categorie":1,"type":"R","Timestamp1":1,"Timestamp2":1,"Seuil":0}]')).toThrow(ErpConfigError);
    expect(() => ErpConfig.parse('{', 'y.json')).toThrow(/^y\.json: not JSON/);
  });
});

describe('exposures of a report', () => {
  const cfg = ErpConfig.builtIn();
  const v = (time: number, uuid = UUID) => ({ time, qr: { type: 'STATIC' as const, venueType: 'R', venueCategory: 1, venueCapacity: 60, uuid } });
  it('widens each visit to [t - 900, t + 7200] with the expiry after the retention', () => {
    expect(exposuresOfReport([v(9000)], cfg, 100)).toEqual([{ uuid: UUID, start: 8100, end: 16200, exposures: 1, threshold: 2, riskLevel: 4, expiresAt: 16300 }]);
  });
  it('merges overlapping or touching intervals of one venue, not of two', () => {
    const other = '00000000-0000-4000-8000-000000000000';
    const e = exposuresOfReport([v(9000), v(9900), v(9000 + 8100), v(9000 + 8100 + 8101), v(9000, other)], cfg, 0);
    expect(e.filter((x) => x.uuid === UUID).map((x) => [x.start, x.end])).toEqual([
      [8100, 9000 + 8100 + 7200],
      [9000 + 8100 + 8101 - 900, 9000 + 8100 + 8101 + 7200],
    ]);
    expect(e.filter((x) => x.uuid === other)).toHaveLength(1);
  });
});

describe('scoring', () => {
  const hit = (o: Partial<{ index: number; time: number; riskLevel: number; exposures: number; threshold: number }>) => ({ index: 0, time: 100, riskLevel: 4, exposures: 1, threshold: 2, ...o });
  it('is not at risk below the threshold, at risk at it', () => {
    expect(scoreHits([])).toEqual({ riskLevel: 0 });
    expect(scoreHits([hit({ exposures: 1 })])).toEqual({ riskLevel: 0 });
    expect(scoreHits([hit({ exposures: 2 })])).toEqual({ riskLevel: 4, lastContactDate: 100 });
  });
  it('answers the highest level reached and the latest visit at that level', () => {
    expect(
      scoreHits([hit({ riskLevel: 2, exposures: 1, threshold: 1, time: 900 }), hit({ riskLevel: 3, exposures: 3, time: 200 }), hit({ riskLevel: 3, exposures: 2, time: 300 }), hit({ riskLevel: 4, exposures: 1, time: 999 })]),
    ).toEqual({ riskLevel: 3, lastContactDate: 300 });
  });
});

describe('status request', () => {
  const tok = (o: object = {}) => ({ type: 'STATIC', payload: 'ab'.repeat(32), timestamp: '3908988850', ...o });
  it('accepts STATIC tokens, skips DYNAMIC ones, rounds times', () => {
    expect(parseStatusRequest({ visitTokens: [tok(), tok({ type: 'DYNAMIC', payload: 'x' })] })).toEqual([{ payload: 'ab'.repeat(32), time: roundToSlot(3908988850) }]);
  });
  it.each([
    [null, 'ERROR_VISIT_TOKENS_MISSING'],
    [[], 'ERROR_VISIT_TOKENS_MISSING'],
    [{}, 'ERROR_VISIT_TOKENS_MISSING'],
    [{ visitTokens: 'x' }, 'ERROR_VISIT_TOKENS_MISSING'],
    [{ visitTokens: [1] }, 'ERROR_VISIT_TOKEN_INVALID'],
    [{ visitTokens: [tok({ payload: 'zz' })] }, 'ERROR_VISIT_TOKEN_INVALID'],
    [{ visitTokens: [tok({ timestamp: 'soon' })] }, 'ERROR_VISIT_TOKEN_INVALID'],
    [{ visitTokens: [tok({ type: 'X' })] }, 'ERROR_VISIT_TOKEN_INVALID'],
    [{ visitTokens: Array.from({ length: MAX_STATUS_TOKENS + 1 }, () => tok()) }, 'ERROR_TOO_MANY_VISIT_TOKENS'],
  ])('refuses %# with its code', (body, code) => {
    expect(() => parseStatusRequest(body)).toThrow(expect.objectContaining({ code }) as unknown as Error);
  });
});

describe('report request', () => {
  const now = 3_908_988_800;
  const visit = (o: object = {}, q: object = {}) => ({ timestamp: String(now - 3600), qrCode: { type: 'STATIC', venueType: 'R', venueCategory: 1, venueCapacity: 60, uuid: UUID, ...q }, ...o });
  it('drops malformed single visits and counts them', () => {
    const r = parseReportRequest({ visits: [visit(), visit({ timestamp: 'x' }), visit({}, { venueType: 'ZZ' }), visit({}, { type: 'DYNAMIC' }), 5, visit({ timestamp: String(now - 20 * 86400) })] }, now, 14 * 86400);
    expect(r.visits).toHaveLength(1);
    expect(r.dropped).toBe(5);
  });
  it('keeps a duplicate visit (same venue, same slot) once', () => {
    expect(parseReportRequest({ visits: [visit(), visit({ timestamp: String(now - 3600 + 60) })] }, now, 86400).visits).toHaveLength(1);
  });
  it('truncates beyond MAX_VISITS', () => {
    const visits = Array.from({ length: MAX_VISITS + 10 }, (_, i) => visit({ timestamp: String(now - i * 900) }));
    const r = parseReportRequest({ visits }, now, 30 * 86400);
    expect(r.visits).toHaveLength(MAX_VISITS);
    expect(r.truncated).toBe(10);
  });
  it('accepts an empty list, refuses a missing one or one with no valid visit', () => {
    expect(parseReportRequest({ visits: [] }, now, 1).visits).toEqual([]);
    expect(() => parseReportRequest({}, now, 1)).toThrow(TacwError);
    expect(() => parseReportRequest({ visits: [visit({ timestamp: 'x' })] }, now, 86400)).toThrow(expect.objectContaining({ code: 'ERROR_NO_VALID_VISIT' }) as unknown as Error);
  });
});
