// The TAC-Warning HTTP API over a real socket on loopback, with PGlite behind it: the wire
// format of the real service, every documented refusal, and 10,000 generated bodies.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/apps/common/clock.js';
import { seededRandom as rng } from '../src/apps/chat/seeded-random.js';
import { ErpConfig } from '../src/apps/tacw/domain/erp-config.js';
import { ntpFromUnixMs, roundToSlot } from '../src/apps/tacw/domain/ntp-time.js';
import { visitToken } from '../src/apps/tacw/domain/visit-token.js';
import { buildServer } from '../src/apps/tacw/http/build-server.js';
import { JwtVerifier } from '../src/apps/tacw/http/jwt-verifier.js';
import { OffsetClock } from '../src/apps/tacw/offset-clock.js';
import { generateIssuerKeys, signReportJwt, type IssuerKeys } from '../src/apps/tacw/report-issuer.js';
import type { ExposureStore } from '../src/apps/tacw/storage/exposure-store.js';
import { openStore } from '../src/apps/tacw/storage/open-store.js';

const UUID = 'd6d7f0a2-5c3e-4c7b-9a41-2b8e6f0c9d13';
const R1 = '0b5d1c1e-3f0a-4e55-9b1c-7c2f0e6a9d01';
const MAX_SALT = 20; // a small max_salt keeps fuzzed reports cheap; the store test covers 1000

let app: FastifyInstance;
let store: ExposureStore;
let keys: IssuerKeys;
let rogue: IssuerKeys;
let base: string;
const clock = new OffsetClock(systemClock);
const config = ErpConfig.parse(JSON.stringify([{ categorie: 0, type: 'R', Timestamp1: 900, Timestamp2: 7200, Seuil: 1, riskLevel: 3 }, { categorie: 0, type: 'DEFAULT', Timestamp1: 900, Timestamp2: 7200, Seuil: 2 }]));

beforeAll(async () => {
  [keys, rogue] = await Promise.all([generateIssuerKeys(), generateIssuerKeys()]);
  store = await openStore({});
  app = buildServer({ store, verifier: new JwtVerifier({ pem: keys.publicPem }, clock), config, clock, retentionSeconds: 14 * 86400, maxSalt: MAX_SALT });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/tac-warning`;
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

const nowNtp = () => ntpFromUnixMs(Date.now());
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, code: res.headers.get('x-tacw-error'), headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
const visit = (t: number, q: object = {}) => ({ timestamp: String(t), qrCode: { type: 'STATIC', venueType: 'N', venueCategory: 1, venueCapacity: 60, uuid: UUID, ...q } });
const bearer = async (k: IssuerKeys = keys) => ({ authorization: `Bearer ${await signReportJwt(k, clock)}` });
const token = (salt: number, t: number, uuid = UUID) => ({ type: 'STATIC', payload: visitToken(salt, uuid), timestamp: String(t) });

describe('wire format', () => {
  it('answers status on an empty database: v1 atRisk false, v2 riskLevel 0 without lastContactDate', async () => {
    expect((await post('/v1/wstatus', { visitTokens: [token(971, nowNtp())] })).json).toEqual({ atRisk: false });
    expect((await post('/v2/wstatus', { visitTokens: [token(971, nowNtp())] })).json).toEqual({ riskLevel: 0 });
  });

  it('warns after the threshold (2 positives by default), with lastContactDate in NTP seconds', async () => {
    const t = nowNtp() - 3600;
    const r = await post('/v2/wreport', { visits: [visit(t)] }, await bearer());
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true, message: 'Report successful' });
    expect(r.headers.get('x-tacw-visits-stored')).toBe('1');
    const mine = { visitTokens: [token(7, t + 1800)] };
    expect((await post('/v2/wstatus', mine)).json).toEqual({ riskLevel: 0 });
    expect((await post('/v1/wreport', { visits: [visit(t + 900)] }, await bearer())).status).toBe(200);
    expect((await post('/v2/wstatus', mine)).json).toEqual({ riskLevel: 4, lastContactDate: String(roundToSlot(t + 1800)) });
    expect((await post('/v1/wstatus', mine)).json).toEqual({ atRisk: true });
    expect((await post('/v2/wstatus', { visitTokens: [token(7, t + 3 * 3600)] })).json).toEqual({ riskLevel: 0 });
  });

  it('applies the venue type rule: one positive in a type with threshold 1 warns at its level', async () => {
    const t = nowNtp() - 7200;
    expect((await post('/v2/wreport', { visits: [visit(t, { venueType: 'R', uuid: R1 })] }, await bearer())).status).toBe(200);
    expect((await post('/v2/wstatus', { visitTokens: [token(3, t, R1)] })).json).toEqual({ riskLevel: 3, lastContactDate: String(roundToSlot(t)) });
  });
});

describe('refusals', () => {
  it('refuses JWTs: missing, expired, another key, replayed; 403 with {} and the code in X-TACW-Error, nothing stored', async () => {
    const before = await store.stats();
    const body = { visits: [visit(nowNtp(), { uuid: R1 })] };
    const missing = await post('/v2/wreport', body);
    expect([missing.status, missing.code, missing.json]).toEqual([403, 'ERROR_JWT_MISSING', {}]);
    const old = new OffsetClock(systemClock, -600_000);
    const expired = await post('/v2/wreport', body, { authorization: `Bearer ${await signReportJwt(keys, old)}` });
    expect([expired.status, expired.code, expired.json]).toEqual([403, 'ERROR_JWT_EXPIRED', {}]);
    const other = await post('/v2/wreport', body, await bearer(rogue));
    expect([other.status, other.code, other.json]).toEqual([403, 'ERROR_JWT_SIGNATURE_INVALID', {}]);
    expect(await store.stats()).toEqual(before);
    const auth = await bearer();
    expect((await post('/v2/wreport', body, auth)).status).toBe(200);
    const after = await store.stats();
    const replay = await post('/v2/wreport', { visits: [visit(nowNtp(), { uuid: UUID })] }, auth);
    expect([replay.status, replay.code, replay.json]).toEqual([403, 'ERROR_JWT_ALREADY_USED', {}]);
    expect(await store.stats()).toEqual(after);
  });

  it('refuses bad bodies with a clear 4xx', async () => {
    const auth = await bearer();
    const cases: Array<[string, unknown, Record<string, string>, number, string]> = [
      ['/v2/wreport', {}, auth, 400, 'ERROR_VISITS_MISSING'],
      ['/v2/wreport', { visits: [visit(nowNtp(), { venueType: 'ZZ' })] }, auth, 400, 'ERROR_NO_VALID_VISIT'],
      ['/v2/wstatus', '{"visitTokens": [', {}, 400, 'ERROR_BODY_MALFORMED'],
      ['/v2/wstatus', '', {}, 400, 'ERROR_BODY_MALFORMED'],
      ['/v2/wstatus', { visitTokens: 'x' }, {}, 400, 'ERROR_VISIT_TOKENS_MISSING'],
      ['/v2/wstatus', { visitTokens: [{ type: 'STATIC', payload: 'ab'.repeat(32), timestamp: 'noon' }] }, {}, 400, 'ERROR_VISIT_TOKEN_INVALID'],
      ['/v2/wstatus', { visitTokens: [{ type: 'STATIC', payload: 12, timestamp: '1' }] }, {}, 400, 'ERROR_VISIT_TOKEN_INVALID'],
      ['/v2/wstatus', { visitTokens: Array.from({ length: 2001 }, () => ({})) }, {}, 400, 'ERROR_TOO_MANY_VISIT_TOKENS'],
      ['/v2/wstatus', { visitTokens: Array.from({ length: 10_000 }, () => token(1, nowNtp())) }, {}, 413, 'ERROR_BODY_TOO_LARGE'],
      ['/v2/wstatus', '{"__proto__": {"x": 1}, "visitTokens": []}', {}, 400, 'ERROR_BODY_MALFORMED'],
      ['/v2/wstatus', 'visitTokens=1', { 'content-type': 'text/plain' }, 415, 'ERROR_CONTENT_TYPE'],
      ['/v3/wstatus', { visitTokens: [] }, {}, 404, 'ERROR_NOT_FOUND'],
    ];
    for (const [path, body, headers, status, code] of cases) {
      const r = await post(path, body, headers);
      expect([path, r.status, r.code], `${path} ${JSON.stringify(body).slice(0, 80)}`).toEqual([path, status, code]);
      if (status !== 403) expect(r.json).toMatchObject({ error: code });
    }
  });

  it('drops malformed single visits and truncates beyond 250, still 200', async () => {
    const t = nowNtp() - 600;
    const visits = [visit(t, { venueType: 'ZZ' }), { timestamp: 'x', qrCode: {} }, ...Array.from({ length: 260 }, (_, i) => visit(t - i * 900, { uuid: R1 }))];
    const r = await post('/v2/wreport', { visits }, await bearer());
    expect(r.status).toBe(200);
    expect([r.headers.get('x-tacw-visits-stored'), r.headers.get('x-tacw-visits-dropped'), r.headers.get('x-tacw-visits-truncated')]).toEqual(['248', '2', '12']);
  });
});

function fuzzBody(r: () => number, report: boolean): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const anyValue = (depth: number): unknown => {
    switch (Math.floor(r() * (depth > 3 ? 6 : 9))) {
      case 0: return null;
      case 1: return r() < 0.5;
      case 2: return pick([0, -1, 1.5, 1e308, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, 42]);
      case 3: return pick(['', 'STATIC', 'DYNAMIC', 'R', '3908988800', '99999999999999999999', 'ab'.repeat(32), '\u0000', 'é'.repeat(50), UUID]);
      case 4: return String(Math.floor(r() * 4e9));
      case 5: return 'x'.repeat(Math.floor(r() * 2000));
      case 6: return Array.from({ length: Math.floor(r() * 4) }, () => anyValue(depth + 1));
      default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(['type', 'payload', 'timestamp', 'qrCode', 'visits', 'visitTokens', 'uuid', 'venueType', 'venueCategory', 'venueCapacity', '__proto__', 'constructor']), anyValue(depth + 1)]));
    }
  };
  const mutate = (o: Record<string, unknown>): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...o };
    const keys = Object.keys(copy);
    const k = pick(keys);
    const what = r();
    if (what < 0.3) delete copy[k];
    else if (what < 0.8) copy[k] = anyValue(2);
    else copy[pick(['extra', 'type', '__proto__'])] = anyValue(2);
    return copy;
  };
  const t = nowNtp() - Math.floor(r() * 20 * 86400);
  const kind = r();
  if (kind < 0.1) return pick(['', 'null', '[]', '{', '{"visits":', '"str"', '1', '{"visits": [}', String.fromCharCode(...Array.from({ length: 50 }, () => Math.floor(r() * 256)))]);
  if (kind < 0.3) return JSON.stringify(anyValue(0));
  if (report) {
    const visits = Array.from({ length: Math.floor(r() * 5) }, () => {
      const v = visit(t, { uuid: r() < 0.5 ? UUID : R1, venueType: pick(['N', 'R', 'ZZ', 'DEFAULT']) });
      return r() < 0.5 ? mutate({ ...v, qrCode: r() < 0.5 ? mutate(v.qrCode) : v.qrCode }) : v;
    });
    return JSON.stringify(r() < 0.2 ? mutate({ visits }) : { visits });
  }
  const visitTokens = Array.from({ length: Math.floor(r() * 12) }, () => (r() < 0.4 ? mutate(token(Math.floor(r() * 1200), t)) : token(Math.floor(r() * 1200), t)));
  return JSON.stringify(r() < 0.2 ? mutate({ visitTokens }) : { visitTokens });
}

describe('fuzz', () => {
  it('answers 10,000 generated bodies on both POST endpoints with a 2xx or 4xx, never a 5xx, and keeps answering', async () => {
    const r = rng(20201022);
    const statuses = new Map<number, number>();
    const N = 10_000;
    const CONCURRENCY = 16;
    const auths = await Promise.all(Array.from({ length: 200 }, () => bearer()));
    let next = 0;
    const failures: string[] = [];
    async function worker(): Promise<void> {
      while (next < N) {
        const i = next++;
        const report = i % 2 === 1;
        const path = `/v${1 + (i % 4 >= 2 ? 1 : 0)}/${report ? 'wreport' : 'wstatus'}`;
        const body = fuzzBody(r, report);
        const headers: Record<string, string> = { 'content-type': r() < 0.05 ? 'text/plain' : 'application/json' };
        if (report && r() < 0.9) headers.authorization = auths[i % auths.length]!.authorization;
        const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 && failures.length < 5) failures.push(`#${i} ${path} ${res.status}: ${body.slice(0, 200)}`);
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures).toEqual([]);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(N);
    for (const s of statuses.keys()) expect([200, 400, 403, 413, 415]).toContain(s);
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect((await post('/v2/wstatus', { visitTokens: [] })).json).toEqual({ riskLevel: 0 });
  });
});
