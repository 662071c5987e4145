import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/manual-clock.js';
import { generateIssuerKeys, signReportJwt, type IssuerKeys } from '../report-issuer.js';
import { JwtVerifier } from './jwt-verifier.js';

describe('report JWT verification', () => {
  let keys: IssuerKeys;
  let rogue: IssuerKeys;
  const clock = new ManualClock();
  beforeAll(async () => {
    [keys, rogue] = await Promise.all([generateIssuerKeys(), generateIssuerKeys()]);
  });
  const verifier = () => new JwtVerifier({ pem: keys.publicPem }, clock);
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

  it('accepts a fresh RS256 JWT from the issuer and returns its jti and exp', async () => {
    const jwt = await signReportJwt(keys, clock);
    const r = await verifier().verify(`Bearer ${jwt}`);
    expect(r.exp).toBe(Math.floor(clock.now() / 1000) + 300);
    expect(r.jti).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('refuses an expired one with ERROR_JWT_EXPIRED, at exp (alive one second before)', async () => {
    const jwt = await signReportJwt(keys, clock);
    const c = new ManualClock(clock.now() + 299_000);
    expect(await code(new JwtVerifier({ pem: keys.publicPem }, c).verify(`Bearer ${jwt}`))).toBe('ok');
    c.advance(1000);
    expect(await code(new JwtVerifier({ pem: keys.publicPem }, c).verify(`Bearer ${jwt}`))).toBe('ERROR_JWT_EXPIRED');
  });
  it('refuses another key, another algorithm, garbage, no header, and a long life', async () => {
    expect(await code(verifier().verify(`Bearer ${await signReportJwt(rogue, clock)}`))).toBe('ERROR_JWT_SIGNATURE_INVALID');
    const hs = await new SignJWT({ jti: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1m').sign(new Uint8Array(32));
    expect(await code(verifier().verify(`Bearer ${hs}`))).toBe('ERROR_JWT_SIGNATURE_INVALID');
    expect(await code(verifier().verify('Bearer not.a.jwt'))).toBe('ERROR_JWT_MALFORMED');
    expect(await code(verifier().verify(undefined))).toBe('ERROR_JWT_MISSING');
    expect(await code(verifier().verify('Basic abc'))).toBe('ERROR_JWT_MISSING');
    expect(await code(verifier().verify(`Bearer ${await signReportJwt(keys, clock, 3600)}`))).toBe('ERROR_JWT_CLAIMS_INVALID');
    const noJti = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuedAt(Math.floor(clock.now() / 1000)).setExpirationTime(Math.floor(clock.now() / 1000) + 60).sign(keys.privateKey);
    expect(await code(verifier().verify(`Bearer ${noJti}`))).toBe('ERROR_JWT_CLAIMS_INVALID');
  });
  it('fetches a key from a URL once it answers, then keeps it', async () => {
    let calls = 0;
    const fakeFetch = (async () => {
      calls++;
      return calls === 1 ? new Response('down', { status: 503 }) : new Response(keys.publicPem);
    }) as unknown as typeof fetch;
    const v = new JwtVerifier({ url: 'http://issuer/public-key', fetch: fakeFetch }, clock);
    const jwt = `Bearer ${await signReportJwt(keys, clock)}`;
    expect(await code(v.verify(jwt))).toBe('ERROR_JWT_KEY_UNAVAILABLE');
    expect(await code(v.verify(jwt))).toBe('ok');
    expect(await code(v.verify(jwt))).toBe('ok');
    expect(calls).toBe(2);
  });
  it('refuses to start with a key that is not an RSA public key', async () => {
    await expect(new JwtVerifier({ pem: 'not a key' }, clock).warmUp()).rejects.toThrow();
  });
});
